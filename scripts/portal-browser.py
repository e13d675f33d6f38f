#!/usr/bin/env python3
"""The web portal in a real browser: Debian's Chromium, driven over WebDriver by Selenium.

Starts aiosmtpd and `grants serve` (on a fresh SQLite file, or on the PostgreSQL database
given with --database-url) with its mail going over SMTP, and its public address the
server's own, so that links in the mail can be followed. An officer publishes a call through
the API; then, in the browser at 360 x 640:

- with scripts on: an applicant finds the call on the home page in Kazakh, registers, is
  refused with the reasons beside the fields, fixes them, confirms the address by opening
  the link from the mail (the page presses its own button), and signs in;
- with scripts off (not on --scripts-on-only): the same registration, where the mailed link
  opens a page whose button the person presses; then a forgotten password is reset from the
  mailed link, which ends the login of the other browser and the API's;
- a grant round (scripts on, on either database): an officer writes and publishes a call in
  the office, closes it, screens the application, fills the pool and assigns; two reviewers
  follow their mailed links and score; the officer approves within the funding line and the
  applicant follows the decision mail to the feedback; each mailed link is a 404 page for
  someone of another NGO;
- axe-core checks every page in Kazakh, Russian and English (zero violations), and every
  page's first visit (HTML, style sheet and script, compressed) must stay under 50 KB.

A screenshot of every page is written under target/portal-screenshots/. Prints a
cargo-style `test result:` line per part so the test command counts them.

Usage: portal-browser.py GRANTS PYTHON_WITH_AIOSMTPD AXE_JS [--database-url URL]
       [--scripts-on-only] [--screenshots DIR]
"""

import argparse
import email
import email.policy
import gzip
import http.cookiejar
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone

from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from harness import PASSWORD, TIMEOUT, Api, confirm_with_cli, free_port, wait_for_port

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
PAGE_BUDGET = 50 * 1024


class Failed(Exception):
    pass


def expect(condition, what):
    if not condition:
        raise Failed(what)


def browser(scripts):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--window-size=360,640", "--no-first-run", "--no-default-browser-check",
                 "--disable-extensions", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"):
        options.add_argument(flag)
    if not scripts:
        options.add_experimental_option(
            "prefs", {"profile.managed_default_content_settings.javascript": 2})
    # The driver given explicitly: Selenium then never tries to download one.
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    # Headless Chromium keeps windows at least 500 px wide; a phone's viewport is set here.
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": 360, "height": 640, "deviceScaleFactor": 1, "mobile": True})
    return driver


def gone(element):
    """Whether `element`'s page has been replaced: Chromium tells it with a stale element or,
    mid-navigation, with an inspector error about a node of another document."""
    def check(_):
        try:
            element.is_enabled()
            return False
        except WebDriverException:
            return True
    return check


class Person:
    """One browser, with what it has seen."""

    def __init__(self, base, scripts, shots, name):
        self.base, self.driver, self.shots, self.name = base, browser(scripts), shots, name
        self.count = 0

    def close(self):
        self.driver.quit()

    def open(self, path):
        self.driver.get(self.base + path if path.startswith("/") else path)
        return self

    def shot(self, label):
        if self.shots:
            self.count += 1
            os.makedirs(self.shots, exist_ok=True)
            self.driver.save_screenshot(
                os.path.join(self.shots, f"{self.name}-{self.count:02d}-{label}.png"))

    def heading(self):
        return self.driver.find_element(By.TAG_NAME, "h1").text

    def wait_heading(self, text):
        def shown(_):
            try:
                return text in self.heading()
            except WebDriverException:
                return False
        try:
            WebDriverWait(self.driver, TIMEOUT).until(shown)
        except TimeoutException:
            raise Failed(f"{self.name}: expected heading {text!r}, saw {self.heading()!r}")

    def fill(self, fields):
        for name, value in fields.items():
            element = self.driver.find_element(By.ID, name)
            if element.tag_name == "select":
                element.find_element(By.CSS_SELECTOR, f"option[value='{value}']").click()
            else:
                element.clear()
                element.send_keys(value)

    def press(self):
        """Presses the page's button and waits for the next page."""
        old = self.driver.find_element(By.TAG_NAME, "html")
        self.driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        WebDriverWait(self.driver, TIMEOUT).until(gone(old))

    def press_action(self, value):
        """Presses the form's button of `action` `value` and waits for the next page."""
        old = self.driver.find_element(By.TAG_NAME, "html")
        self.driver.find_element(By.CSS_SELECTOR, f"main button[value='{value}']").click()
        WebDriverWait(self.driver, TIMEOUT).until(gone(old))

    def follow(self, selector):
        """Follows the link `selector` names and waits for the next page."""
        old = self.driver.find_element(By.TAG_NAME, "html")
        self.driver.find_element(By.CSS_SELECTOR, selector).click()
        WebDriverWait(self.driver, TIMEOUT).until(gone(old))

    def error_beside(self, field):
        found = self.driver.find_elements(By.ID, f"{field}-error")
        return found[0].text if found else None

    def text(self):
        return self.driver.find_element(By.TAG_NAME, "body").text

    def lang(self):
        return self.driver.find_element(By.TAG_NAME, "html").get_attribute("lang")


class Mailbox:
    def __init__(self, maildir):
        self.new = os.path.join(maildir, "new")
        self.seen = set()

    def next_to(self, address, subject_part):
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            for name in sorted(os.listdir(self.new)) if os.path.isdir(self.new) else []:
                if name in self.seen:
                    continue
                with open(os.path.join(self.new, name), "rb") as handle:
                    mail = email.message_from_binary_file(handle, policy=email.policy.default)
                if address in str(mail["To"]) and subject_part in str(mail["Subject"]):
                    self.seen.add(name)
                    return mail.get_body(preferencelist=("plain",)).get_content()
            time.sleep(0.1)
        raise Failed(f"no mail {subject_part!r} reached {address}")


def link_in(text, base, path):
    match = re.search(re.escape(base + path) + r"\?code=[A-Za-z0-9_-]+", text)
    expect(match, f"no {path} link in the mail: {text[:300]!r}")
    return match.group(0)


def register(person, mailbox, address, name, scripts):
    """Registers through the form in Kazakh, first with mistakes; returns the mailed link."""
    person.open("/?lang=kk")
    expect(person.lang() == "kk", "the home page is not in Kazakh")
    expect("Ауыл аманаты 2027" in person.text(), "the open call is not on the home page")
    person.shot("home")
    person.follow("main h3 a")
    person.wait_heading("Ауыл аманаты 2027")
    expect("Қабылдаудың аяқталуына" in person.text(), "the call page has no countdown")
    person.shot("call")
    person.follow("main a[href='/register']")
    person.wait_heading("Тіркелу")
    person.fill({"email": "not an address", "name": name, "password": "12345"})
    person.press()
    person.wait_heading("Тіркелу")
    expect(person.error_beside("email"), "no error beside the address")
    expect(person.error_beside("password"), "no error beside the password")
    summary = person.driver.find_elements(By.CSS_SELECTOR, ".error-summary a")
    expect(len(summary) == 2, f"the summary lists {len(summary)} refusals")
    expect("name@example.kz" in person.error_beside("email"), "the error is not in Kazakh")
    person.shot("register-refused")
    person.fill({"email": address, "password": PASSWORD})
    person.press()
    person.wait_heading("Поштаңызды тексеріңіз")
    person.shot("register-sent")
    text = mailbox.next_to(address, "растаңыз")
    expect("Құрметті өтініш беруші" in text, "the confirmation mail is not in Kazakh")
    return link_in(text, person.base, "/confirm")


def confirm_and_sign_in(person, link, address, scripts):
    person.open(link)
    if scripts:
        person.wait_heading("Мекенжай расталды")
    else:
        person.wait_heading("Электрондық пошта мекенжайын растаңыз")
        person.shot("confirm")
        person.press()
        person.wait_heading("Мекенжай расталды")
    person.shot("confirmed")
    person.follow("main a[href='/login']")
    person.wait_heading("Кіру")
    person.fill({"email": address, "password": PASSWORD})
    person.shot("login")
    person.press()
    person.wait_heading("Гранттық конкурстар")


def create_organization(person, bin_number):
    """From the dashboard, creates the organisation through its form, first with mistakes."""
    person.follow("header a[href='/dashboard']")
    person.wait_heading("Менің ұйымдарым мен өтінімдерім")
    person.shot("dashboard-empty")
    person.follow("main a[href='/organizations/new']")
    person.wait_heading("Ұйымыңыздың профилі")
    person.fill({"name": "«Ақ ниет» қоғамдық бірлестігі", "bin": "123456789012",
                 "region": "aktobe", "settlement": "Шалқар", "contact_email": "aqniet@mail.kz"})
    person.driver.find_element(By.ID, "registered_on").send_keys("01032019")
    person.press()
    person.wait_heading("Ұйымыңыздың профилі")
    expect(person.error_beside("bin"), "no error beside the BIN")
    expect(person.driver.find_element(By.ID, "settlement").get_attribute("value") == "Шалқар",
           "what was typed was lost")
    person.shot("organization-refused")
    person.fill({"bin": bin_number})
    person.press()
    person.wait_heading("«Ақ ниет» қоғамдық бірлестігі")
    expect("Өзгерістер сақталды." in person.text(), "no saved notice")
    person.shot("organization")
    person.follow("header a[href='/dashboard']")
    expect("«Ақ ниет» қоғамдық бірлестігі" in person.text(), "the dashboard lacks the organisation")
    person.shot("dashboard")
    return person.driver.find_element(By.CSS_SELECTOR, "main td a").get_attribute("href")


LINES = [("equipment", "Жиһаз", "2", "500000", "100000"),
         ("services", "Жөндеу", "1", "200000", "20000"),
         ("materials", "Оқу құралдары", "3", "50000", "15000")]


def apply_and_submit(person):
    """Applies to the call from its page: three budget lines added one by one, a submission
    refused with each reason beside its field, the missing parts filled in, submitted, and
    the receipt read."""
    person.open("/")
    person.follow("main h3 a")
    person.wait_heading("Ауыл аманаты 2027")
    person.press()
    person.wait_heading("Өтінімді өңдеу")
    person.fill({"title": "Ауылдағы әйелдер орталығы"})
    for index, (category, description, quantity, unit_cost, cofinanced) in enumerate(LINES):
        prefix = f"budget_lines[{index}]."
        person.fill({prefix + "category": category, prefix + "description": description,
                     prefix + "quantity": quantity, prefix + "unit_cost": unit_cost,
                     prefix + "cofinanced": cofinanced})
        if index == len(LINES) - 1:
            person.shot("editor")
        person.press_action("add" if index < len(LINES) - 1 else "review")
    person.wait_heading("Ауылдағы әйелдер орталығы")
    shown = person.text()
    expect("1 215 000 теңге" in shown.replace("\u00a0", " "),
           f"the requested amount is not computed: {shown[-600:]!r}")
    person.shot("application-draft")
    person.press()
    person.wait_heading("Өтінімді өңдеу")
    for field in ("summary", "problem", "goals", "activities", "target_groups", "settlement",
                  "duration_months"):
        expect(person.error_beside(field), f"no refusal beside {field}")
    person.shot("submission-refused")
    person.fill({"summary": "Әйелдерге арналған орталық", "problem": "Ауылда көмек жоқ",
                 "goals": "Орталық ашу", "activities": "Жөндеу, тренинг",
                 "target_groups": "әйелдер, балалар", "beneficiaries": "200",
                 "settlement": "Шалқар", "duration_months": "12"})
    person.press_action("review")
    person.wait_heading("Ауылдағы әйелдер орталығы")
    person.press()
    person.wait_heading("Ауылдағы әйелдер орталығы")
    expect("Берілді" in person.text(), "the application is not submitted")
    receipt = person.driver.find_element(By.CSS_SELECTOR, "code.hash").text
    expect(re.fullmatch(r"[0-9a-f]{64}", receipt), f"no receipt: {receipt!r}")
    person.shot("receipt")
    address = person.driver.current_url
    person.follow("header a[href='/dashboard']")
    expect("Берілді" in person.text(), "the dashboard does not show the submission")
    person.shot("dashboard-applied")
    return address


def applicant_round(base, mailbox, shots, scripts, suffix, bin_number):
    person = Person(base, scripts, shots, f"applicant-{suffix}")
    try:
        address = f"aigerim-{suffix}@mail.kz"
        link = register(person, mailbox, address, "Айгерім", scripts)
        confirm_and_sign_in(person, link, address, scripts)
        expect("Айгерім" in person.text(), "the signed-in name is not shown")
        person.shot("signed-in")
        person.organization = create_organization(person, bin_number)
        person.application = apply_and_submit(person)
        return person
    except Exception:
        person.close()
        raise


def reset_round(base, mailbox, shots, api, signed_in, address):
    """Resets `address`'s password from another browser, with scripts off."""
    tokens = api.call("POST", "/api/v1/auth/login", body={"email": address, "password": PASSWORD})
    phone = Person(base, False, shots, "reset")
    try:
        phone.open("/login?lang=en")
        phone.follow("main a[href='/password-reset']")
        phone.wait_heading("Forgotten password")
        phone.fill({"email": address})
        phone.press()
        phone.wait_heading("Check your e-mail")
        # The account's language is Kazakh: so is the mail.
        link = link_in(mailbox.next_to(address, "құпиясөз"), base, "/password-reset/confirm")
        phone.open(link)
        phone.wait_heading("Choose a new password")
        phone.shot("new-password")
        new_password = "жаңа-құпиясөз-2027"
        phone.fill({"password": new_password})
        phone.press()
        phone.wait_heading("Your password is set")
        phone.shot("password-set")
        signed_in.open("/")
        expect("Айгерім" not in signed_in.text(), "the other browser is still signed in")
        status = api.call("GET", "/api/v1/me", tokens["access_token"], expect=(200, 401))
        expect(status is not None and status.get("status") == 401,
               "the API's login survived the reset")
    finally:
        phone.close()


def set_value(person, field, value):
    """Sets a date or time field the way a picker would (its typed form is locale-bound)."""
    element = person.driver.find_element(By.ID, field)
    person.driver.execute_script("arguments[0].value = arguments[1]", element, value)


def press_in(person, selector):
    """Presses the button of the form `selector` names and waits for the next page."""
    old = person.driver.find_element(By.TAG_NAME, "html")
    person.driver.find_element(By.CSS_SELECTOR, f"{selector} button[type=submit]").click()
    WebDriverWait(person.driver, TIMEOUT).until(gone(old))


def almaty(instant):
    """`instant` on Almaty's wall clock, as a datetime-local field holds it."""
    return (instant + timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M")


def write_call(officer):
    """The officer writes a call in the office, with a Kazakh title, and publishes it."""
    officer.open("/office?lang=ru")
    officer.wait_heading("Кабинет оператора")
    officer.follow("main a[href='/office/calls/new']")
    officer.wait_heading("Конкурс")
    now = datetime.now(timezone.utc)
    officer.fill({"title": "Таза су — ауылға 2027", "description": "Гранты на чистую воду в аулах",
                  "budget": "1500000", "min_grant": "100000", "max_grant": "1500000",
                  "cofinancing_share": "0.1", "rubric[0].key": "relevance",
                  "rubric[0].title": "Relevance", "rubric[0].max_score": "10",
                  "rubric[0].weight": "1", "reviewers_per_application": "2",
                  "fundable_min_score": "50", "disagreement_spread": "30",
                  "translations.kk.title": "Таза су — ауылға 2027"})
    officer.driver.find_element(By.ID, "area.ecology").click()
    set_value(officer, "opens_at", almaty(now - timedelta(days=1)))
    set_value(officer, "closes_at", almaty(now + timedelta(days=1)))
    officer.shot("call-form")
    # The form's last button (its first is the hidden one Enter presses).
    old = officer.driver.find_element(By.TAG_NAME, "html")
    officer.driver.find_elements(By.CSS_SELECTOR, "main button[value='save']")[-1].click()
    WebDriverWait(officer.driver, TIMEOUT).until(gone(old))
    officer.wait_heading("Таза су — ауылға 2027")
    press_in(officer, "form[action$='/publish']")
    officer.wait_heading("Таза су — ауылға 2027")
    expect("Приём заявок открыт" in officer.text() or "Открыт" in officer.text(),
           f"the call is not open: {officer.text()[:300]!r}")
    return officer.driver.current_url.rsplit("/", 1)[-1]


def score(reviewer, link, relevance):
    """A reviewer opens the mailed assignment link, signs in, accepts and submits a review."""
    reviewer.open(link)
    # Not signed in: the sign-in page (in the browser's language), then back to the link.
    expect("/login?next=" in reviewer.driver.current_url, "the link did not ask to sign in")
    reviewer.fill({"email": reviewer.address, "password": PASSWORD})
    reviewer.press()
    reviewer.wait_heading("Ауылға таза су")
    expect(reviewer.driver.current_url == link, "signing in did not lead back to the link")
    press_in(reviewer, "form[action$='/accept']")
    reviewer.wait_heading("Ауылға таза су")
    reviewer.fill({"scores.relevance": str(relevance), "recommendation": "fund",
                   "confidence": "2"})
    reviewer.driver.find_element(By.ID, "comment").send_keys("Нужный аулу проект")
    reviewer.shot("review")
    reviewer.press_action("submit")
    reviewer.wait_heading("Ауылға таза су")


def grant_round(base, mailbox, shots, api, admin, applicant):
    """A grant from call to feedback: the officer writes and publishes a call in the office,
    the applicant (already signed in) has an application submitted to it, the officer closes
    the call, screens the application, fills the pool and assigns automatically; two
    reviewers follow their mailed links and score; the officer approves within the funding
    line; the applicant follows the decision mail to the feedback. Every mailed link opens
    its page for its person and the 404 page for another."""
    officer = Person(base, True, shots, "officer")
    reviewers = []
    try:
        sign_in(officer, "officer@grants.kz")
        call = write_call(officer)
        token = api.token("aigerim-js@mail.kz")
        org = applicant.organization.rsplit("/", 1)[-1].split("?")[0]
        application = api.draft(token, call, org, "Ауылға таза су")
        api.call("POST", f"/api/v1/applications/{application}/submit", token)
        submitted = link_to(mailbox.next_to("aigerim-js@mail.kz", "Ауылға таза су"), base,
                            f"/applications/{application}")
        applicant.open(submitted)
        applicant.wait_heading("Ауылға таза су")

        for i in range(2):
            api.staff(admin, f"reviewer{i}@grants.kz", "reviewer", "ru")
        office = f"/office/calls/{call}"
        officer.open(office)
        press_in(officer, f"form[action='{office}/close']")
        officer.wait_heading("Таза су")
        officer.follow(f"main a[href='{office}/applications']")
        officer.wait_heading("Заявки")
        officer.follow(f"main a[href='/applications/{application}']")
        officer.wait_heading("Ауылға таза су")
        expect("Проверка заявки" in officer.text(), "no screening on the application page")
        officer.shot("screening")
        officer.open(f"{office}/reviewers")
        officer.wait_heading("Эксперты")
        for _ in range(2):
            press_in(officer, f"form[action='{office}/reviewers']")
            officer.wait_heading("Эксперты")
        set_value(officer, "due", (datetime.now(timezone.utc) + timedelta(days=14)).strftime("%Y-%m-%d"))
        press_in(officer, f"form[action='{office}/assign']")
        officer.wait_heading("Эксперты")
        expect("Назначено: 2" in officer.text(), f"not assigned: {officer.text()[-400:]!r}")
        officer.shot("pool")

        links = []
        for i in range(2):
            address = f"reviewer{i}@grants.kz"
            mail = mailbox.next_to(address, "Новая заявка на экспертизу")
            links.append(re.search(re.escape(base) + r"/assignments/[0-9a-f-]+", mail).group(0))
        for i, link in enumerate(links):
            reviewer = Person(base, True, shots, f"reviewer{i}")
            reviewer.address = f"reviewer{i}@grants.kz"
            reviewers.append(reviewer)
            score(reviewer, link, 8 + i)
        # Another reviewer's assignment, or the applicant's application, is not found.
        reviewers[0].open(links[1])
        reviewers[0].wait_heading("Страница не найдена")
        applicant.open(links[0])
        applicant.wait_heading("Бет табылмады")

        officer.open(f"{office}/ranking")
        officer.wait_heading("Рейтинг и решения")
        expect("Черта финансирования" in officer.text(), "no funding line on the ranking")
        officer.shot("ranking")
        officer.fill({f"decision.{application}": "approve"})
        press_in(officer, f"form[action='{office}/decisions']")
        officer.wait_heading("Рейтинг и решения")
        expect("Записано решений: 1" in officer.text(), "the approval was not recorded")

        decided = mailbox.next_to("aigerim-js@mail.kz", "мақұлданды")
        feedback = link_to(decided, base, f"/applications/{application}/feedback")
        applicant.open(feedback)
        applicant.wait_heading("«Ауылға таза су» өтініміне пікір")
        expect("Нужный аулу проект" in applicant.text(), "the reviewers' comments are missing")
        applicant.shot("feedback")
        # Someone of another NGO finds none of the round's pages.
        api.applicant("stranger@mail.kz", "Бөтен", "ru")
        stranger = Person(base, True, shots, "stranger")
        reviewers.append(stranger)
        sign_in(stranger, "stranger@mail.kz")
        for link in (submitted, feedback, links[0]):
            stranger.open(link)
            stranger.wait_heading("Страница не найдена")
        stranger.shot("not-found")
        return call
    finally:
        officer.close()
        for reviewer in reviewers:
            reviewer.close()


def link_to(text, base, path):
    expect(base + path in text, f"no link to {path} in the mail: {text[:300]!r}")
    return base + path


PAGES = ["/", "/register", "/login", "/password-reset", "/confirm?code=x",
         "/password-reset/confirm?code=x", "/calls/{call}", "/calls/not-a-call"]
# Pages an applicant sees once signed in.
# Pages a reviewer sees: an assignment to answer and one being reviewed.
REVIEWER_PAGES = ["/assignments", "{assigned}", "{reviewing}"]
# The office: an officer's pages of the grant round's call, and an admin's.
OFFICER_PAGES = ["/office", "/office/calls/new", "{office}", "{office}/applications",
                 "{office}/reviewers", "{office}/ranking"]
ADMIN_PAGES = ["/office/users", "/office/outbox"]
SIGNED_IN_PAGES = ["/dashboard", "/organizations/new", "{organization}", "{application}",
                   "{editor}", "{application}/feedback", "{application}/receipt",
                   "{organization}/members",
                   "/invitations", "{draft}/withdraw", "/account"]


def sign_in(person, address):
    person.open("/login")
    person.fill({"email": address, "password": PASSWORD})
    person.press()


def draft_editor(api, base, call, organization):
    """The editor of a draft of the scripts-on applicant, made through the API."""
    token = api.token("aigerim-js@mail.kz")
    org = organization.replace(base, "").rsplit("/", 1)[-1].split("?")[0]
    application = api.draft(token, call, org, "Екінші өтінім")
    return f"/applications/{application}/edit"


def reviewer_pages(api, admin, officer, call, people):
    """A reviewer assigned to both submitted applications: one assignment left to answer,
    the other accepted, so both the answer and the review form are checked."""
    reviewer = api.staff(admin, "expert@grants.kz", "reviewer", "kk")
    reviewer_id = api.call("GET", "/api/v1/me", reviewer)["id"]
    api.call("POST", f"/api/v1/calls/{call}/reviewers", officer, {"reviewer_id": reviewer_id})
    found = []
    for person in people:
        application = person.application.rsplit("/", 1)[-1]
        found.append(api.call("POST", f"/api/v1/applications/{application}/assignments",
                              officer, {"reviewer_id": reviewer_id})["id"])
    api.call("POST", f"/api/v1/assignments/{found[1]}/accept", reviewer)
    return {"assigned": f"/assignments/{found[0]}", "reviewing": f"/assignments/{found[1]}"}


def signed_in_groups():
    """Who signs in to see which of the pages: (address, name shown, pages)."""
    return [("aigerim-js@mail.kz", "Айгерім", SIGNED_IN_PAGES),
            ("expert@grants.kz", "Staff", REVIEWER_PAGES),
            ("officer@grants.kz", "Staff", OFFICER_PAGES),
            ("admin@grants.kz", "Admin", ADMIN_PAGES)]


def axe_round(base, axe_js, shots, call, pages_of):
    person = Person(base, True, shots, "axe")
    script = open(axe_js, encoding="utf-8").read()
    problems = []
    try:
        for language in ("kk", "ru", "en"):
            person.driver.delete_all_cookies()
            visits = [(None, p.format(call=call)) for p in PAGES]
            for address, _, pages in signed_in_groups():
                visits += [(address, p) for p in pages]
            signed_in_as = None
            for address, path in visits:
                if address != signed_in_as:
                    person.driver.delete_all_cookies()
                    sign_in(person, address)
                    signed_in_as = address
                path = path.format(**pages_of)
                joiner = "&" if "?" in path else "?"
                # The confirmation page presses its own button when scripts run; axe checks
                # it with the code refused, which also shows the error pattern.
                person.open(f"{path}{joiner}lang={language}")
                expect(person.driver.find_elements(By.TAG_NAME, "h1"), f"{path}: no page")
                WebDriverWait(person.driver, TIMEOUT).until(
                    lambda d: d.execute_script("return document.readyState") == "complete")
                person.driver.execute_script(script)
                person.driver.set_script_timeout(60)
                result = person.driver.execute_async_script("""
                    const done = arguments[arguments.length - 1];
                    axe.run(document, {resultTypes: ['violations']})
                      .then(r => done({passes: r.passes.length, violations: r.violations.map(
                        v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))}))
                      .catch(e => done({passes: 0, violations: ['axe failed: ' + e]}));""")
                expect(person.lang() == language, f"{path} in {language}: <html lang> differs")
                # Rules that held prove axe looked at the page.
                expect(result["passes"] > 10, f"{path} ({language}): axe checked too little")
                problems += [f"{path} ({language}): {v}" for v in result["violations"]]
                if language == "ru":
                    name = re.sub(r"[^a-z]+", "-", path.split("?")[0].replace(base, ""))
                    person.shot(name.strip("-") or "home")
    finally:
        person.close()
    expect(not problems, "axe-core found violations:\n    " + "\n    ".join(problems))


def weight_round(base, call, pages_of):
    """Every page's first visit: its HTML and every file it links, gzip-compressed; the
    applicant's pages signed in."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    heavy = []

    def weigh(path):
        html, sent = fetch(opener, base + path)
        total = sent
        for asset in re.findall(r'(?:href|src)="(/static/[^"]+)"', html):
            total += fetch(opener, base + asset)[1]
        if total > PAGE_BUDGET:
            heavy.append(f"{path}: {total} bytes")
        return html

    for page in PAGES:
        weigh(page.format(call=call))
    for address, name, signed_in_pages in signed_in_groups():
        jar.clear()
        login = weigh("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', login).group(1)
        form = urllib.parse.urlencode({"csrf": token, "email": address,
                                       "password": PASSWORD}).encode()
        opener.open(urllib.request.Request(base + "/login", data=form), timeout=TIMEOUT)
        expect(any(c.name == "grants_session" for c in jar), "could not sign in over HTTP")
        for page in signed_in_pages:
            html = weigh(page.format(**pages_of))
            expect(name in html, f"{page}: not signed in")
    expect(not heavy, "pages over 50 KB on a first visit: " + ", ".join(heavy))


def fetch(opener, url):
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    try:
        response = opener.open(request, timeout=TIMEOUT)
    except urllib.error.HTTPError as error:
        response = error
    body = response.read()
    sent = len(body)
    if response.headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return body.decode("utf-8", "replace"), sent


def main():
    parser = argparse.ArgumentParser(usage=__doc__)
    parser.add_argument("grants")
    parser.add_argument("python")
    parser.add_argument("axe")
    parser.add_argument("--database-url")
    parser.add_argument("--scripts-on-only", action="store_true")
    parser.add_argument("--screenshots", default="target/portal-screenshots")
    args = parser.parse_args()
    grants = os.path.abspath(args.grants)
    work = tempfile.mkdtemp(prefix="grants-portal-")
    maildir = os.path.join(work, "maildir")
    smtp_port, http_port = free_port(), free_port()
    base = f"http://127.0.0.1:{http_port}"
    database = "PostgreSQL" if args.database_url else "SQLite"
    shots = os.path.join(args.screenshots, database.lower())
    shutil.rmtree(shots, ignore_errors=True)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "GRANTS_DATA_DIR": os.path.join(work, "data"),
        "GRANTS_BIND": f"127.0.0.1:{http_port}",
        "GRANTS_MAIL_TRANSPORT": "smtp",
        "GRANTS_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}?tls=none",
        "GRANTS_PUBLIC_URL": base,
        "GRANTS_MAIL_POLL_MS": "100",
        "GRANTS_LOG": "warn",
    }
    if args.database_url:
        env["GRANTS_DATABASE_URL"] = args.database_url
    processes, people, results, rounds = [], [], [], {}

    def part(name, run):
        started = time.time()
        try:
            run()
            results.append((name, None))
            print(f"portal in Chromium on {database}: {name} ... ok ({time.time() - started:.1f} s)")
        except Exception as failure:  # a failed check, or the browser's own error
            results.append((name, str(failure)))
            print(f"portal in Chromium on {database}: {name} ... FAILED: {failure}")

    try:
        smtpd = subprocess.Popen(
            [args.python, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{smtp_port}",
             "-c", "aiosmtpd.handlers.Mailbox", maildir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(smtpd)
        wait_for_port(smtp_port, smtpd, "aiosmtpd")
        subprocess.run([grants, "admin", "create", "--email", "admin@grants.kz", "--name", "Admin",
                        "--password-stdin"], input=PASSWORD + "\n", text=True, env=env,
                       check=True, stdout=subprocess.DEVNULL)
        server = subprocess.Popen([grants, "serve"], env=env, stdout=subprocess.DEVNULL)
        processes.append(server)
        wait_for_port(http_port, server, "grants serve")
        api = Api(base, confirm_with_cli(grants, env))
        admin = api.token("admin@grants.kz")
        officer = api.staff(admin, "officer@grants.kz", "officer", "ru")
        call = api.published_call(officer, [])
        mailbox = Mailbox(maildir)

        part("an applicant registers in Kazakh, confirms from the mailed link, signs in,"
             " creates the organisation, drafts with three budget lines, is refused with the"
             " reasons beside the fields, fixes them, submits and reads the receipt (scripts on)",
             lambda: people.append(applicant_round(base, mailbox, shots, True, "js", "040540001230")))
        part("a grant round: the officer writes, publishes, closes and screens a call, fills"
             " its pool and assigns; two reviewers score from their mailed links; the officer"
             " approves within the funding line and the applicant reads the feedback; each"
             " mailed link 404s for anyone else",
             lambda: rounds.update(call=grant_round(base, mailbox, shots, api, admin,
                                                    people[0])))
        if not args.scripts_on_only:
            def scripts_off():
                person = applicant_round(base, mailbox, shots, False, "nojs", "190500001004")
                people.append(person)
                reset_round(base, mailbox, shots, api, person, "aigerim-nojs@mail.kz")
            part("the same with scripts off, then a password reset from the mailed link ends"
                 " every login", scripts_off)
            pages = {"organization": people[0].organization.replace(base, ""),
                     "application": people[0].application.replace(base, ""),
                     "editor": draft_editor(api, base, call, people[0].organization)}
            pages["draft"] = pages["editor"].removesuffix("/edit")
            pages["office"] = f"/office/calls/{rounds.get('call', call)}"
            pages.update(reviewer_pages(api, admin, officer, call, people))
            part("axe-core finds no violation on any page in kk, ru and en",
                 lambda: axe_round(base, args.axe, shots, call, pages))
            part("every page's first visit is under 50 KB compressed",
                 lambda: weight_round(base, call, pages))
    finally:
        for person in people:
            person.close()
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(work, ignore_errors=True)
    failed = [name for name, failure in results if failure]
    print(f"test result: {'FAILED' if failed else 'ok'}. {len(results) - len(failed)} passed;"
          f" {len(failed)} failed; 0 ignored")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
