//! Plausible names, places and texts, drawn from a seeded random sequence.

use chrono::{DateTime, Utc};
use domain::application::{ApplicationContent, BudgetCategory, BudgetLine};
use domain::call::{CallInput, CallSpec, CriterionInput, EligibilityInput};
use domain::money::Money;

/// SplitMix64: a small deterministic generator, so every run seeds the same data.
#[derive(Debug)]
pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub(super) fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n.max(1) as u64).unwrap_or(0)
    }

    pub(super) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub(super) fn between(&mut self, low: u32, high: u32) -> u32 {
        low + u32::try_from(self.below((high - low + 1) as usize)).unwrap_or(0)
    }
}

pub(super) const SETTLEMENTS: &[&str] = &[
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

pub(super) const NAMES: &[&str] = &[
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

pub(super) const PROBLEMS: &[&str] = &[
    "Ауылда балаларға арналған қауіпсіз ойын алаңы жоқ.",
    "В селе нет кабинета психологической помощи женщинам, пострадавшим от насилия.",
    "Қарт адамдар аудан орталығындағы емханаға жете алмайды.",
    "Ученики сельской школы не имеют доступа к кружкам и секциям.",
    "Өзен жағасы тұрмыстық қалдықтармен ластанған.",
    "Молодёжь уезжает из аула: нет работы и профессионального обучения.",
    "Мүмкіндігі шектеулі балалар үйден шыға алмайды: пандус пен көлік жоқ.",
];

pub(super) const ACTIVITIES: &[&str] = &[
    "Жабдық сатып алу, монтаж, волонтерлерді оқыту және ашылу.",
    "Аренда помещения, обучение специалистов, консультации и горячая линия.",
    "Жылжымалы медициналық бригаданың айына екі рет ауылдарды аралауы.",
    "Закупка инвентаря, занятия два раза в неделю, летний лагерь.",
    "Сенбіліктер, қоқыс жәшіктерін орнату, мектептегі экологиялық сабақтар.",
    "Курсы по сварке, швейному делу и бухгалтерии с последующим трудоустройством.",
];

pub(super) const TARGET_GROUPS: &[&str] = &[
    "children",
    "women",
    "older_people",
    "youth",
    "people_with_disabilities",
    "families",
];

pub(super) const LINES: &[(BudgetCategory, &str)] = &[
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

pub(super) const REVIEW_COMMENTS: &[&str] = &[
    "Жоба ауыл тұрғындарының нақты қажеттілігіне жауап береді.",
    "Бюджет обоснован, но расходы на аренду завышены.",
    "Мақсаттар нақты, бірақ нәтижелерді өлшеу әдісі көрсетілмеген.",
    "Сильная команда и поддержка акимата; рекомендую к финансированию.",
];

pub(super) fn money(tenge: i64) -> Money {
    Money::from_minor(tenge * 100).unwrap_or(Money::ZERO)
}

/// A valid BIN for serial number `serial` (skipping numbers whose check digit is undefined).
pub(super) fn bin(serial: &mut u32) -> String {
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

pub(super) fn call_spec(
    index: usize,
    opens_at: DateTime<Utc>,
    closes_at: DateTime<Utc>,
) -> CallSpec {
    let area = domain::call::PriorityArea::ALL[index % domain::call::PriorityArea::ALL.len()];
    let criterion = |key: &str, title: &str, weight: u32| CriterionInput {
        key: Some(key.to_owned()),
        title: Some(title.to_owned()),
        max_score: Some(10),
        weight: Some(weight),
        guidance: None,
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
            requires_verified_organization: None,
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
        translations: None,
    })
    .unwrap_or_else(|e| panic!("seed call spec: {e:?}"))
}

pub(super) fn content(rng: &mut Rng, settlement: &str) -> ApplicationContent {
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
