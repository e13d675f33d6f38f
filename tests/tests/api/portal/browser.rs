//! A minimal browser for the portal's tests: keeps cookies, does not follow redirects, and
//! reads the form token out of the page it was served with.

use std::collections::BTreeMap;

use grants_tests::TestApp;

/// A page as a browser receives it.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub html: String,
}

impl Page {
    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Where a redirect points.
    pub fn location(&self) -> &str {
        self.header("location").unwrap_or_default()
    }

    /// The form token of the first form on the page.
    pub fn form_token(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let start = self
            .html
            .find(marker)
            .unwrap_or_else(|| panic!("no form token in {}", self.html))
            + marker.len();
        let end = self.html[start..].find('"').unwrap_or(0) + start;
        self.html[start..end].to_owned()
    }

    /// The one-time token of the first form on the page.
    pub fn once_token(&self) -> String {
        let marker = "name=\"once\" value=\"";
        let start = self
            .html
            .find(marker)
            .unwrap_or_else(|| panic!("no one-time token in {}", self.html))
            + marker.len();
        let end = self.html[start..].find('"').unwrap_or(0) + start;
        self.html[start..end].to_owned()
    }

    /// The `lang` of the page's `<html>`.
    pub fn lang(&self) -> &str {
        let start = self.html.find("<html lang=\"").map_or(0, |i| i + 12);
        let end = self.html[start..].find('"').map_or(start, |i| i + start);
        &self.html[start..end]
    }
}

/// Cookies and a client that leaves redirects to the test.
#[derive(Debug)]
pub struct Browser<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
    pub cookies: BTreeMap<String, String>,
    pub accept_language: Option<String>,
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_else(|e| panic!("client: {e}"));
        Self {
            app,
            client,
            cookies: BTreeMap::new(),
            accept_language: None,
        }
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Page {
        let mut request = request;
        if !self.cookies.is_empty() {
            let header: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            request = request.header("cookie", header.join("; "));
        }
        if let Some(language) = &self.accept_language {
            request = request.header("accept-language", language);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("request: {e}"));
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        for value in headers.get_all("set-cookie") {
            let text = value.to_str().unwrap_or_default();
            let pair = text.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                if value.is_empty() || text.contains("Max-Age=0") {
                    self.cookies.remove(name);
                } else {
                    self.cookies.insert(name.to_owned(), value.to_owned());
                }
            }
        }
        let html = response.text().await.unwrap_or_default();
        Page {
            status,
            headers,
            html,
        }
    }

    /// `GET path`.
    pub async fn get(&mut self, path: &str) -> Page {
        let request = self.client.get(format!("{}{path}", self.app.base));
        self.send(request).await
    }

    /// Posts `fields` to `path` as a form.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut body = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in fields {
            body.append_pair(name, value);
        }
        let request = self
            .client
            .post(format!("{}{path}", self.app.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.finish());
        self.send(request).await
    }

    /// Opens `path` and posts its form with `fields` and the form token it was served.
    pub async fn submit(&mut self, path: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let page = self.get(path).await;
        assert_eq!(
            page.status,
            200,
            "{path}: {} {}",
            page.location(),
            page.html
        );
        let token = page.form_token();
        let once = page.once_token();
        let mut all = vec![("csrf", token.as_str()), ("once", once.as_str())];
        all.extend_from_slice(fields);
        self.post(action, &all).await
    }

    /// Signs in through the form; asserts it worked.
    pub async fn sign_in(&mut self, email: &str, password: &str) {
        let page = self
            .submit(
                "/login",
                "/login",
                &[("email", email), ("password", password), ("next", "/")],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.html);
        assert!(self.cookies.contains_key("grants_session"));
    }
}
