//! A large, realistic dataset written straight into the tables in batches, for load tests.
//!
//! [`Store::seed`] builds every record through the domain's constructors (so each one is
//! what the service itself would have written: valid BINs, calls, budgets, frozen content
//! with its receipt, review totals from the rubric) and inserts them with multi-row
//! statements in one transaction. The returned [`Manifest`] tells a load runner which
//! accounts exist and what each may touch.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::application::{
    ApplicationContent, BudgetCategory, BudgetLine, canonical_json, receipt,
};
use domain::assignment::AssignmentStatus;
use domain::call::{CallInput, CallSpec, CallState, CriterionInput, EligibilityInput};
use domain::language::Language;
use domain::money::Money;
use domain::organization::{MemberRole, OrganizationInput, OrganizationProfile};
use domain::region::Region;
use domain::review::{CriterionScore, Recommendation, ReviewContent, review_total};
use domain::role::Role;
use domain::status::ApplicationStatus;
use domain::transition::{Actor, CommandKind};
use sea_orm::{ActiveModelTrait, EntityTrait, TransactionTrait};
use uuid::Uuid;

use crate::Store;
use crate::entity::{
    application, application_event, assignment, call, call_reviewer, organization,
    organization_member, user,
};
use crate::error::RepoError;

/// Rows per multi-row `INSERT`: below SQLite's and PostgreSQL's bound-parameter limits for
/// the widest table.
const BATCH: usize = 500;

/// Reviewers in each call's pool.
const POOL: usize = 50;

/// How much to generate.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Grant calls; the first [`Plan::open_calls`] are open, the rest closed and in review.
    pub calls: usize,
    /// Calls open for applications now.
    pub open_calls: usize,
    /// Closed calls whose reviews are still coming in (half their assignments open).
    pub calls_in_review: usize,
    /// Organisations, each with one applicant account.
    pub organizations: usize,
    /// Applications, spread evenly over the calls.
    pub applications: usize,
    /// Reviewer accounts.
    pub reviewers: usize,
    /// Review assignments to spread over the applications of closed calls.
    pub reviews: usize,
    /// Officer accounts.
    pub officers: usize,
    /// The Argon2id PHC string every account gets (hashed once by the caller).
    pub password_hash: String,
    /// The present instant.
    pub now: DateTime<Utc>,
}

impl Plan {
    /// 20 calls, 5,000 organisations, 20,000 applications, 200 reviewers, 60,000 reviews.
    #[must_use]
    pub fn full(password_hash: String, now: DateTime<Utc>) -> Self {
        Self {
            calls: 20,
            open_calls: 2,
            calls_in_review: 2,
            organizations: 5_000,
            applications: 20_000,
            reviewers: 200,
            reviews: 60_000,
            officers: 4,
            password_hash,
            now,
        }
    }

    /// A twentieth of [`Plan::full`], for a quick check of the runner.
    #[must_use]
    pub fn small(password_hash: String, now: DateTime<Utc>) -> Self {
        Self {
            calls: 5,
            open_calls: 1,
            calls_in_review: 1,
            organizations: 250,
            applications: 1_000,
            reviewers: 60,
            reviews: 3_000,
            officers: 2,
            password_hash,
            now,
        }
    }
}

/// An applicant account and what its organisation has.
#[derive(Debug, Clone)]
pub struct SeededApplicant {
    /// Login address.
    pub email: String,
    /// The organisation it owns.
    pub organization_id: Uuid,
    /// Every application of the organisation.
    pub applications: Vec<Uuid>,
    /// Those still drafts, in an open call.
    pub drafts: Vec<Uuid>,
}

/// A reviewer account and its assignments.
#[derive(Debug, Clone)]
pub struct SeededReviewer {
    /// Login address.
    pub email: String,
    /// Every assignment.
    pub assignments: Vec<Uuid>,
    /// Accepted assignments whose review is still to be submitted.
    pub open: Vec<Uuid>,
}

/// How many rows of each kind were written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Accounts.
    pub users: usize,
    /// Organisations.
    pub organizations: usize,
    /// Calls.
    pub calls: usize,
    /// Applications.
    pub applications: usize,
    /// Budget lines inside them.
    pub budget_lines: usize,
    /// Review assignments.
    pub assignments: usize,
    /// Submitted reviews among them.
    pub submitted_reviews: usize,
    /// Audit events.
    pub events: usize,
}

/// What [`Store::seed`] wrote, for a load runner.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The administrator's address.
    pub admin: String,
    /// Officers' addresses.
    pub officers: Vec<String>,
    /// Reviewers.
    pub reviewers: Vec<SeededReviewer>,
    /// Applicants, one per organisation.
    pub applicants: Vec<SeededApplicant>,
    /// Calls open for applications.
    pub open_calls: Vec<Uuid>,
    /// Closed calls, in review.
    pub closed_calls: Vec<Uuid>,
    /// The applications of the closed calls, which officers work on.
    pub reviewed_applications: Vec<Uuid>,
    /// Rows written.
    pub counts: Counts,
}

/// SplitMix64: a small deterministic generator, so every run seeds the same data.
#[derive(Debug)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n.max(1) as u64).unwrap_or(0)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn between(&mut self, low: u32, high: u32) -> u32 {
        low + u32::try_from(self.below((high - low + 1) as usize)).unwrap_or(0)
    }
}

const SETTLEMENTS: &[&str] = &[
    "Шалқар",
    "Қарабұтақ",
    "Ойыл",
    "Жымпиты",
    "Сарыкөл",
    "Аршалы",
    "Новоишимское",
    "Бескарагай",
    "Жаңаарқа",
    "Шиели",
    "Жосалы",
    "Тасқала",
    "Федоровка",
    "Майқайың",
    "Баянаул",
    "Қазалы",
];

const NAMES: &[&str] = &[
    "Ақ ниет",
    "Мейірім",
    "Шаңырақ",
    "Болашақ",
    "Ауыл жастары",
    "Надежда",
    "Милосердие",
    "Жасыл дала",
    "Ана мен бала",
    "Қамқор",
    "Родник",
    "Өркен",
    "Ступени",
    "Сенім",
];

const PROBLEMS: &[&str] = &[
    "Ауылда балаларға арналған қауіпсіз ойын алаңы жоқ.",
    "В селе нет кабинета психологической помощи женщинам, пострадавшим от насилия.",
    "Қарт адамдар аудан орталығындағы емханаға жете алмайды.",
    "Ученики сельской школы не имеют доступа к кружкам и секциям.",
    "Өзен жағасы тұрмыстық қалдықтармен ластанған.",
    "Молодёжь уезжает из аула: нет работы и профессионального обучения.",
    "Мүмкіндігі шектеулі балалар үйден шыға алмайды: пандус пен көлік жоқ.",
];

const ACTIVITIES: &[&str] = &[
    "Жабдық сатып алу, монтаж, волонтерлерді оқыту және ашылу.",
    "Аренда помещения, обучение специалистов, консультации и горячая линия.",
    "Жылжымалы медициналық бригаданың айына екі рет ауылдарды аралауы.",
    "Закупка инвентаря, занятия два раза в неделю, летний лагерь.",
    "Сенбіліктер, қоқыс жәшіктерін орнату, мектептегі экологиялық сабақтар.",
    "Курсы по сварке, швейному делу и бухгалтерии с последующим трудоустройством.",
];

const TARGET_GROUPS: &[&str] = &[
    "children",
    "women",
    "older_people",
    "youth",
    "people_with_disabilities",
    "families",
];

const LINES: &[(BudgetCategory, &str)] = &[
    (BudgetCategory::Staff, "Жоба үйлестірушісінің жалақысы"),
    (BudgetCategory::Staff, "Оплата труда психолога"),
    (BudgetCategory::Equipment, "Ойын алаңына арналған жабдық"),
    (BudgetCategory::Equipment, "Ноутбук и проектор для занятий"),
    (
        BudgetCategory::Materials,
        "Оқу құралдары мен кеңсе тауарлары",
    ),
    (BudgetCategory::Travel, "Проезд мобильной бригады по аулам"),
    (BudgetCategory::Services, "Монтаж и доставка оборудования"),
    (BudgetCategory::Rent, "Бөлме жалдау"),
    (BudgetCategory::Communication, "Мобильная связь и интернет"),
    (BudgetCategory::Other, "Непредвиденные расходы"),
];

const REVIEW_COMMENTS: &[&str] = &[
    "Жоба ауыл тұрғындарының нақты қажеттілігіне жауап береді.",
    "Бюджет обоснован, но расходы на аренду завышены.",
    "Мақсаттар нақты, бірақ нәтижелерді өлшеу әдісі көрсетілмеген.",
    "Сильная команда и поддержка акимата; рекомендую к финансированию.",
];

fn money(tenge: i64) -> Money {
    Money::from_minor(tenge * 100).unwrap_or(Money::ZERO)
}

/// A valid BIN for serial number `serial` (skipping numbers whose check digit is undefined).
fn bin(serial: &mut u32) -> String {
    loop {
        *serial += 1;
        let body = format!(
            "{:02}{:02}40{:05}",
            10 + *serial % 12,
            1 + *serial % 12,
            *serial
        );
        let digits: Vec<u32> = body.chars().filter_map(|c| c.to_digit(10)).collect();
        if let Ok(first) = <[u32; 11]>::try_from(digits.as_slice())
            && let Some(check) = domain::bin::check_digit(&first)
        {
            return format!("{body}{check}");
        }
    }
}

fn call_spec(index: usize, opens_at: DateTime<Utc>, closes_at: DateTime<Utc>) -> CallSpec {
    let area = domain::call::PriorityArea::ALL[index % domain::call::PriorityArea::ALL.len()];
    let criterion = |key: &str, title: &str, weight: u32| CriterionInput {
        key: Some(key.to_owned()),
        title: Some(title.to_owned()),
        max_score: Some(10),
        weight: Some(weight),
    };
    CallSpec::create(CallInput {
        title: Some(format!(
            "Ауыл аманаты {} — Сельские инициативы",
            2020 + index
        )),
        description: Some(
            "Гранттар ауылдық ҮЕҰ-ға арналған. Гранты для сельских НПО на социальные проекты."
                .to_owned(),
        ),
        priority_areas: Some(vec![area.code().to_owned()]),
        budget: Some("500000000".to_owned()),
        min_grant: Some("100000".to_owned()),
        max_grant: Some("3000000".to_owned()),
        cofinancing_share: Some("0.1".to_owned()),
        opens_at: Some(opens_at),
        closes_at: Some(closes_at),
        eligibility: Some(EligibilityInput {
            rural_only: Some(false),
            min_years_registered: Some(1),
            regions: None,
        }),
        rubric: Some(vec![
            criterion("relevance", "Relevance to the village", 2),
            criterion("feasibility", "Feasibility", 1),
            criterion("budget", "Sound budget", 1),
        ]),
        reviewers_per_application: Some(3),
        fundable_min_score: Some(60),
        disagreement_spread: Some(30),
        aggregation: Some("mean".to_owned()),
        hide_applicant_identity: None,
    })
    .unwrap_or_else(|e| panic!("seed call spec: {e:?}"))
}

fn content(rng: &mut Rng, settlement: &str) -> ApplicationContent {
    let lines = rng.between(3, 6);
    // Requested 85 % of the total, which stays between the call's 100,000 and 3,000,000.
    let total = i64::from(rng.between(400, 3_000)) * 1_000;
    let mut budget_lines = Vec::new();
    for i in 0..lines {
        let (category, description) = *rng.pick(LINES);
        let quantity = rng.between(1, 12);
        let share = total / i64::from(lines);
        let unit = (share / i64::from(quantity)).max(1);
        let line_total = unit * i64::from(quantity);
        budget_lines.push(BudgetLine {
            category,
            description: format!("{description} ({})", i + 1),
            quantity,
            unit_cost: money(unit),
            cofinanced: money(line_total * 15 / 100),
        });
    }
    let problem = rng.pick(PROBLEMS);
    ApplicationContent {
        title: Some(format!(
            "{} — {settlement}",
            problem.chars().take(40).collect::<String>().trim()
        )),
        summary: Some(format!(
            "{settlement} ауылындағы әлеуметтік жоба. Социальный проект в селе {settlement}."
        )),
        problem: Some((*problem).to_owned()),
        goals: Some("Өмір сапасын жақсарту; улучшить качество жизни сельчан.".to_owned()),
        activities: Some((*rng.pick(ACTIVITIES)).to_owned()),
        target_groups: vec![(*rng.pick(TARGET_GROUPS)).to_owned()],
        beneficiaries: Some(rng.between(30, 2_000)),
        settlement: Some(settlement.to_owned()),
        duration_months: Some(rng.between(6, 24)),
        budget_lines,
    }
}

/// Every row of the dataset, before insertion.
#[derive(Default)]
struct Rows {
    users: Vec<user::ActiveModel>,
    organizations: Vec<organization::ActiveModel>,
    members: Vec<organization_member::ActiveModel>,
    calls: Vec<call::ActiveModel>,
    pools: Vec<call_reviewer::ActiveModel>,
    applications: Vec<application::ActiveModel>,
    events: Vec<application_event::ActiveModel>,
    assignments: Vec<assignment::ActiveModel>,
}

/// The phase a generated call is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Open,
    InReview,
    Reviewed,
}

/// One audit event of a generated application.
struct Step {
    command: CommandKind,
    from: ApplicationStatus,
    to: ApplicationStatus,
    by: (Option<Uuid>, Actor),
    receipt: Option<String>,
    at: DateTime<Utc>,
}

struct Builder<'p> {
    plan: &'p Plan,
    rng: Rng,
    rows: Rows,
    counts: Counts,
}

impl Builder<'_> {
    fn account(&mut self, email: &str, role: Role, index: usize) -> Uuid {
        let id = Uuid::now_v7();
        let now = self.plan.now;
        self.rows.users.push(user::ActiveModel {
            id: sea_orm::Set(id),
            email: sea_orm::Set(email.to_owned()),
            name: sea_orm::Set(format!("{} {index}", role.code())),
            language: sea_orm::Set(Language::ALL[index % 3].code().to_owned()),
            role: sea_orm::Set(role.code().to_owned()),
            password_hash: sea_orm::Set(self.plan.password_hash.clone()),
            created_at: sea_orm::Set(now - Duration::days(400)),
            updated_at: sea_orm::Set(now - Duration::days(400)),
            email_verified_at: sea_orm::Set(Some(now - Duration::days(400))),
            verification_nonce: sea_orm::Set(None),
            verification_sent_at: sea_orm::Set(None),
            disabled_at: sea_orm::Set(None),
            reset_nonce: sea_orm::Set(None),
            reset_sent_at: sea_orm::Set(None),
        });
        self.counts.users += 1;
        id
    }

    fn event(&mut self, application: Uuid, seq: i32, step: Step) {
        let Step {
            command,
            from,
            to,
            by: (actor_id, actor),
            receipt,
            at,
        } = step;
        self.rows.events.push(application_event::ActiveModel {
            id: sea_orm::Set(Uuid::now_v7()),
            application_id: sea_orm::Set(application),
            seq: sea_orm::Set(seq),
            command: sea_orm::Set(command.code().to_owned()),
            from_status: sea_orm::Set(from.code().to_owned()),
            to_status: sea_orm::Set(to.code().to_owned()),
            actor_id: sea_orm::Set(actor_id),
            actor_role: sea_orm::Set(actor.code().to_owned()),
            reason: sea_orm::Set(None),
            revision_due_at: sea_orm::Set(None),
            awarded_minor: sea_orm::Set(None),
            receipt_sha256: sea_orm::Set(receipt),
            at: sea_orm::Set(at),
        });
        self.counts.events += 1;
    }
}

fn phase_of(plan: &Plan, index: usize) -> Phase {
    if index < plan.open_calls {
        Phase::Open
    } else if index < plan.open_calls + plan.calls_in_review {
        Phase::InReview
    } else {
        Phase::Reviewed
    }
}

impl Store {
    /// Writes the dataset `plan` describes in one transaction and says what it wrote.
    ///
    /// # Errors
    /// [`RepoError::Unexpected`] when the database refuses a batch (nothing is kept then).
    ///
    /// # Panics
    /// When `plan` asks for no calls, organisations or reviewers.
    pub async fn seed(&self, plan: &Plan) -> Result<Manifest, RepoError> {
        let (rows, manifest) = build(plan);
        let tx = self.db.begin().await?;
        insert(&tx, rows.users).await?;
        insert(&tx, rows.organizations).await?;
        insert(&tx, rows.members).await?;
        insert(&tx, rows.calls).await?;
        insert(&tx, rows.pools).await?;
        insert(&tx, rows.applications).await?;
        insert(&tx, rows.events).await?;
        insert(&tx, rows.assignments).await?;
        tx.commit().await?;
        Ok(manifest)
    }
}

async fn insert<A>(tx: &sea_orm::DatabaseTransaction, rows: Vec<A>) -> Result<(), RepoError>
where
    A: ActiveModelTrait + Send,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<A> = rows.by_ref().take(BATCH).collect();
        <A::Entity as EntityTrait>::insert_many(batch)
            .exec_without_returning(tx)
            .await?;
    }
    Ok(())
}

#[allow(clippy::too_many_lines)]
fn build(plan: &Plan) -> (Rows, Manifest) {
    assert!(
        plan.calls > 0 && plan.organizations > 0 && plan.reviewers > 0,
        "a dataset needs calls, organisations and reviewers"
    );
    let now = plan.now;
    let mut b = Builder {
        plan,
        rng: Rng(20_261_126),
        rows: Rows::default(),
        counts: Counts::default(),
    };
    let admin = "admin@load.grants.kz".to_owned();
    let admin_id = b.account(&admin, Role::Admin, 0);
    let officers: Vec<String> = (0..plan.officers)
        .map(|i| format!("officer{i}@load.grants.kz"))
        .collect();
    let officer_ids: Vec<Uuid> = officers
        .iter()
        .enumerate()
        .map(|(i, email)| b.account(email, Role::Officer, i))
        .collect();
    let officer = officer_ids.first().copied().unwrap_or(admin_id);
    let mut reviewers: Vec<SeededReviewer> = Vec::new();
    let mut reviewer_ids = Vec::new();
    for i in 0..plan.reviewers {
        let email = format!("reviewer{i}@load.grants.kz");
        reviewer_ids.push(b.account(&email, Role::Reviewer, i));
        reviewers.push(SeededReviewer {
            email,
            assignments: Vec::new(),
            open: Vec::new(),
        });
    }

    let mut applicants = Vec::new();
    let mut org_ids = Vec::new();
    let mut owners = Vec::new();
    let mut settlements = Vec::new();
    let mut regions = Vec::new();
    let mut serial = 0;
    for i in 0..plan.organizations {
        let email = format!("applicant{i}@load.grants.kz");
        let owner = b.account(&email, Role::Applicant, i);
        let name = format!("{} {}", b.rng.pick(NAMES), i + 1);
        let settlement = *b.rng.pick(SETTLEMENTS);
        let region = *b.rng.pick(Region::ALL);
        let bin = bin(&mut serial);
        let registered = NaiveDate::from_ymd_opt(2010 + i32::try_from(i % 12).unwrap_or(0), 3, 1)
            .unwrap_or_default();
        let contact = format!("ngo{i}@mail.kz");
        let profile = OrganizationProfile::create(
            OrganizationInput {
                name: Some(&name),
                bin: Some(&bin),
                region: Some(region.code()),
                settlement: Some(settlement),
                rural: Some(true),
                registered_on: Some(registered),
                contact_email: Some(&contact),
            },
            now.date_naive(),
        )
        .unwrap_or_else(|e| panic!("seed organisation {i}: {e:?}"));
        let id = Uuid::now_v7();
        b.rows.organizations.push(organization::ActiveModel {
            id: sea_orm::Set(id),
            name: sea_orm::Set(profile.name),
            bin: sea_orm::Set(profile.bin.as_str().to_owned()),
            region: sea_orm::Set(profile.region.code().to_owned()),
            settlement: sea_orm::Set(profile.settlement),
            rural: sea_orm::Set(profile.rural),
            registered_on: sea_orm::Set(profile.registered_on),
            contact_email: sea_orm::Set(profile.contact_email.as_str().to_owned()),
            version: sea_orm::Set(1),
            created_at: sea_orm::Set(now - Duration::days(300)),
            updated_at: sea_orm::Set(now - Duration::days(300)),
        });
        b.rows.members.push(organization_member::ActiveModel {
            organization_id: sea_orm::Set(id),
            user_id: sea_orm::Set(owner),
            role: sea_orm::Set(MemberRole::Owner.code().to_owned()),
            created_at: sea_orm::Set(now - Duration::days(300)),
        });
        b.counts.organizations += 1;
        org_ids.push(id);
        owners.push(owner);
        settlements.push(settlement);
        regions.push(region);
        applicants.push(SeededApplicant {
            email,
            organization_id: id,
            applications: Vec::new(),
            drafts: Vec::new(),
        });
    }

    let review_calls = plan.calls.saturating_sub(plan.open_calls).max(1);
    let per_call = plan.applications / plan.calls;
    let reviewed_apps = per_call * review_calls;
    let mut open_calls = Vec::new();
    let mut closed_calls = Vec::new();
    let mut reviews_left = plan.reviews;
    let mut apps_left = reviewed_apps;
    let mut org_cursor = 0;
    let mut reviewed_applications = Vec::new();
    for c in 0..plan.calls {
        let phase = phase_of(plan, c);
        let call_id = Uuid::now_v7();
        let (opens, closes) = match phase {
            Phase::Open => (now - Duration::days(10), now + Duration::days(60)),
            Phase::InReview | Phase::Reviewed => (
                now - Duration::days(150 + 10 * i64::try_from(c).unwrap_or(0)),
                now - Duration::days(30),
            ),
        };
        let spec = call_spec(c, opens, closes);
        let state = match phase {
            Phase::Open => CallState::Published,
            Phase::InReview | Phase::Reviewed => CallState::Closed,
        };
        let rubric = spec.rubric.clone();
        let columns = crate::calls::spec_columns(&spec, now - Duration::days(200))
            .unwrap_or_else(|e| panic!("seed call {c}: {e}"));
        b.rows.calls.push(call::ActiveModel {
            id: sea_orm::Set(call_id),
            state: sea_orm::Set(state.code().to_owned()),
            version: sea_orm::Set(2),
            created_by: sea_orm::Set(officer),
            created_at: sea_orm::Set(opens - Duration::days(20)),
            published_at: sea_orm::Set(Some(opens - Duration::days(15))),
            closed_at: sea_orm::Set((phase != Phase::Open).then_some(closes)),
            ..columns
        });
        b.counts.calls += 1;
        // The pool: a window of reviewers, moving with the call.
        let pool: Vec<usize> = (0..POOL.min(plan.reviewers))
            .map(|k| (c * 37 + k) % plan.reviewers)
            .collect();
        if phase != Phase::Open {
            for &r in &pool {
                b.rows.pools.push(call_reviewer::ActiveModel {
                    call_id: sea_orm::Set(call_id),
                    reviewer_id: sea_orm::Set(reviewer_ids[r]),
                    added_by: sea_orm::Set(officer),
                    added_at: sea_orm::Set(closes),
                });
            }
            closed_calls.push(call_id);
        } else {
            open_calls.push(call_id);
        }
        for k in 0..per_call {
            let o = org_cursor % plan.organizations;
            org_cursor += 1;
            let app_id = Uuid::now_v7();
            let body = content(&mut b.rng, settlements[o]);
            b.counts.budget_lines += body.budget_lines.len();
            let sums = domain::application::totals(&body.budget_lines)
                .unwrap_or_else(|| panic!("seed budget of application {k} overflows"));
            let created = opens + Duration::hours(i64::try_from(k % 500).unwrap_or(0));
            let submitted = match phase {
                Phase::Open => k % 5 >= 3,
                Phase::InReview | Phase::Reviewed => true,
            };
            let status = match phase {
                Phase::Open if submitted => ApplicationStatus::Submitted,
                Phase::Open => ApplicationStatus::Draft,
                Phase::InReview => ApplicationStatus::UnderReview,
                Phase::Reviewed => ApplicationStatus::Reviewed,
            };
            let submitted_at = submitted.then_some(created + Duration::days(2));
            let frozen = submitted.then(|| (canonical_json(&body), receipt(&body)));
            let mut seq = 0;
            if let Some(at) = submitted_at {
                seq += 1;
                let step = Step {
                    command: CommandKind::Submit,
                    from: ApplicationStatus::Draft,
                    to: ApplicationStatus::Submitted,
                    by: (Some(owners[o]), Actor::Member),
                    receipt: frozen.as_ref().map(|(_, r)| r.clone()),
                    at,
                };
                b.event(app_id, seq, step);
            }
            if phase != Phase::Open {
                seq += 1;
                let step = Step {
                    command: CommandKind::StartReview,
                    from: ApplicationStatus::Submitted,
                    to: ApplicationStatus::UnderReview,
                    by: (Some(officer), Actor::Officer),
                    receipt: None,
                    at: closes + Duration::days(1),
                };
                b.event(app_id, seq, step);
            }
            if phase == Phase::Reviewed {
                seq += 1;
                let step = Step {
                    command: CommandKind::CompleteReview,
                    from: ApplicationStatus::UnderReview,
                    to: ApplicationStatus::Reviewed,
                    by: (None, Actor::System),
                    receipt: None,
                    at: closes + Duration::days(20),
                };
                b.event(app_id, seq, step);
            }
            let content_json = serde_json::to_string(&body)
                .unwrap_or_else(|e| panic!("seed content does not serialise: {e}"));
            b.rows.applications.push(application::ActiveModel {
                id: sea_orm::Set(app_id),
                call_id: sea_orm::Set(call_id),
                organization_id: sea_orm::Set(org_ids[o]),
                created_by: sea_orm::Set(owners[o]),
                title: sea_orm::Set(body.title.clone()),
                region: sea_orm::Set(regions[o].code().to_owned()),
                status: sea_orm::Set(status.code().to_owned()),
                version: sea_orm::Set(1 + seq),
                content: sea_orm::Set(content_json),
                submitted_content: sea_orm::Set(frozen.as_ref().map(|(c, _)| c.clone())),
                receipt_sha256: sea_orm::Set(frozen.map(|(_, r)| r)),
                total_cost_minor: sea_orm::Set(sums.total_cost.minor()),
                cofinanced_minor: sea_orm::Set(sums.cofinanced_total.minor()),
                requested_minor: sea_orm::Set(sums.requested_amount.minor()),
                submitted_at: sea_orm::Set(submitted_at),
                revision_comment: sea_orm::Set(None),
                revision_due_at: sea_orm::Set(None),
                awarded_minor: sea_orm::Set(None),
                created_at: sea_orm::Set(created),
                updated_at: sea_orm::Set(submitted_at.unwrap_or(created)),
            });
            b.counts.applications += 1;
            applicants[o].applications.push(app_id);
            if status == ApplicationStatus::Draft {
                applicants[o].drafts.push(app_id);
            }
            if phase == Phase::Open {
                continue;
            }
            reviewed_applications.push(app_id);
            // Spread the remaining reviews evenly over the remaining applications.
            let wanted = reviews_left.div_ceil(apps_left.max(1)).min(pool.len());
            apps_left = apps_left.saturating_sub(1);
            reviews_left = reviews_left.saturating_sub(wanted);
            let start = b.rng.below(pool.len());
            for n in 0..wanted {
                let r = pool[(start + n) % pool.len()];
                // Under review means at least one review is still open.
                let open = phase == Phase::InReview && (n == 0 || (k + n) % 2 == 0);
                let assignment_id = Uuid::now_v7();
                let assigned_at = closes + Duration::days(1);
                let (status, review, total, submitted_at) = if open {
                    (AssignmentStatus::Accepted, None, None, None)
                } else {
                    let scores: Vec<CriterionScore> = rubric
                        .iter()
                        .map(|criterion| CriterionScore {
                            criterion: criterion.key.clone(),
                            score: b.rng.between(3, criterion.max_score),
                            comment: None,
                        })
                        .collect();
                    let total = review_total(&scores, &rubric);
                    let review = ReviewContent {
                        scores,
                        comment: Some((*b.rng.pick(REVIEW_COMMENTS)).to_owned()),
                        recommendation: Some(*b.rng.pick(&Recommendation::ALL)),
                        confidence: Some(u8::try_from(b.rng.between(1, 3)).unwrap_or(2)),
                    };
                    let json = serde_json::to_string(&review)
                        .unwrap_or_else(|e| panic!("seed review does not serialise: {e}"));
                    b.counts.submitted_reviews += 1;
                    let at = assigned_at + Duration::days(10);
                    (
                        AssignmentStatus::Submitted,
                        Some(json),
                        Some(total),
                        Some(at),
                    )
                };
                b.rows.assignments.push(assignment::ActiveModel {
                    id: sea_orm::Set(assignment_id),
                    call_id: sea_orm::Set(call_id),
                    application_id: sea_orm::Set(app_id),
                    reviewer_id: sea_orm::Set(reviewer_ids[r]),
                    status: sea_orm::Set(status.code().to_owned()),
                    version: sea_orm::Set(if open { 2 } else { 3 }),
                    due_at: sea_orm::Set(Some(now + Duration::days(14))),
                    assigned_by: sea_orm::Set(Some(officer)),
                    decline_reason: sea_orm::Set(None),
                    review: sea_orm::Set(review),
                    review_total: sea_orm::Set(total),
                    submitted_at: sea_orm::Set(submitted_at),
                    reminded_at: sea_orm::Set(None),
                    created_at: sea_orm::Set(assigned_at),
                    updated_at: sea_orm::Set(submitted_at.unwrap_or(assigned_at)),
                });
                b.counts.assignments += 1;
                reviewers[r].assignments.push(assignment_id);
                if open {
                    reviewers[r].open.push(assignment_id);
                }
            }
        }
    }
    let manifest = Manifest {
        admin,
        officers,
        reviewers,
        applicants,
        open_calls,
        closed_calls,
        reviewed_applications,
        counts: b.counts,
    };
    (b.rows, manifest)
}
