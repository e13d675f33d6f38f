//! The lifecycle of one reviewer's assignment to one application, and the automatic
//! planner that staffs a call's applications with reviewers.

use crate::ids::{ApplicationId, UserId};
use std::collections::BTreeSet;

/// Where one reviewer's assignment to one application is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AssignmentStatus {
    /// Made by an officer or the planner; the reviewer has not answered yet.
    Assigned,
    /// The reviewer agreed to review.
    Accepted,
    /// The reviewer refused; the slot is free again.
    Declined,
    /// The review is submitted.
    Submitted,
    /// The reviewer declared a conflict of interest with the applying organisation after
    /// being assigned: the assignment ends and a submitted review no longer counts.
    Recused,
}

impl AssignmentStatus {
    /// Every status.
    pub const ALL: [AssignmentStatus; 5] = [
        AssignmentStatus::Assigned,
        AssignmentStatus::Accepted,
        AssignmentStatus::Declined,
        AssignmentStatus::Submitted,
        AssignmentStatus::Recused,
    ];

    /// The stable code used in the API and the database.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Assigned => "assigned",
            Self::Accepted => "accepted",
            Self::Declined => "declined",
            Self::Submitted => "submitted",
            Self::Recused => "recused",
        }
    }

    /// Whether it occupies a review slot of its application (everything but `Declined`
    /// and `Recused`).
    #[must_use]
    pub const fn is_active(self) -> bool {
        match self {
            Self::Assigned | Self::Accepted | Self::Submitted => true,
            Self::Declined | Self::Recused => false,
        }
    }
}

crate::codes::closed_set!(
    AssignmentStatus,
    UnknownAssignmentStatus,
    "unknown_assignment_status"
);

/// Something done to an assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AssignmentAction {
    /// The reviewer agrees to review.
    Accept,
    /// The reviewer refuses.
    Decline,
    /// The reviewer saves a draft of the review.
    SaveReview,
    /// The reviewer submits the review.
    SubmitReview,
    /// An officer sends a submitted review back to its reviewer.
    Reopen,
    /// The reviewer declares a conflict of interest with the applying organisation.
    Recuse,
}

impl AssignmentAction {
    /// Every action.
    pub const ALL: [AssignmentAction; 6] = [
        AssignmentAction::Accept,
        AssignmentAction::Decline,
        AssignmentAction::SaveReview,
        AssignmentAction::SubmitReview,
        AssignmentAction::Reopen,
        AssignmentAction::Recuse,
    ];

    /// The stable code.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Accept => "accept",
            Self::Decline => "decline",
            Self::SaveReview => "save_review",
            Self::SubmitReview => "submit_review",
            Self::Reopen => "reopen",
            Self::Recuse => "recuse",
        }
    }
}

crate::codes::displayed_as_code!(AssignmentAction);

/// Why an action on an assignment is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssignmentError {
    /// The action does not apply in the assignment's current status.
    #[error("cannot {action} an assignment that is {status}")]
    WrongStatus {
        /// The refused action.
        action: AssignmentAction,
        /// The current status.
        status: AssignmentStatus,
    },
}

impl AssignmentError {
    /// The stable slug.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::WrongStatus { .. } => "assignment-wrong-status",
        }
    }
}

/// The status after `action`:
/// - `Accept`: `Assigned` → `Accepted`;
/// - `Decline`: `Assigned` | `Accepted` → `Declined`;
/// - `SaveReview`: `Assigned` | `Accepted` → `Accepted` (saving implies accepting);
/// - `SubmitReview`: `Assigned` | `Accepted` → `Submitted`;
/// - `Reopen` (by an officer): `Submitted` → `Accepted`;
/// - `Recuse`: `Assigned` | `Accepted` | `Submitted` → `Recused`.
///
/// # Errors
/// [`AssignmentError::WrongStatus`] for every other pair.
pub fn next_status(
    status: AssignmentStatus,
    action: AssignmentAction,
) -> Result<AssignmentStatus, AssignmentError> {
    use AssignmentAction as A;
    use AssignmentStatus as S;
    match (action, status) {
        (A::Accept, S::Assigned)
        | (A::SaveReview, S::Assigned | S::Accepted)
        | (A::Reopen, S::Submitted) => Ok(S::Accepted),
        (A::Decline, S::Assigned | S::Accepted) => Ok(S::Declined),
        (A::SubmitReview, S::Assigned | S::Accepted) => Ok(S::Submitted),
        (A::Recuse, S::Assigned | S::Accepted | S::Submitted) => Ok(S::Recused),
        (A::Accept, S::Accepted | S::Declined | S::Submitted | S::Recused)
        | (A::Decline | A::SaveReview | A::SubmitReview, S::Declined | S::Submitted | S::Recused)
        | (A::Reopen, S::Assigned | S::Accepted | S::Declined | S::Recused)
        | (A::Recuse, S::Declined | S::Recused) => {
            Err(AssignmentError::WrongStatus { action, status })
        }
    }
}

/// Input of the automatic planner. Everything is identified by id; slices are in any
/// order and may repeat entries (the planner sorts and deduplicates).
#[derive(Debug, Clone, Copy)]
pub struct PlanInput<'a> {
    /// The applications to staff.
    pub applications: &'a [ApplicationId],
    /// The call's reviewer pool.
    pub reviewers: &'a [UserId],
    /// Active reviewers each application needs.
    pub per_application: u32,
    /// Active assignments that already exist: (application, reviewer). They fill slots
    /// and count toward load.
    pub existing: &'a [(ApplicationId, UserId)],
    /// Pairs that must never be assigned: (reviewer, application).
    pub conflicts: &'a BTreeSet<(UserId, ApplicationId)>,
}

/// The planner's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// New assignments (application, reviewer), in the order made.
    pub assignments: Vec<(ApplicationId, UserId)>,
    /// Applications left short of reviewers, sorted by application.
    pub unstaffed: Vec<Unstaffed>,
}

/// An application the planner could not fully staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unstaffed {
    /// The application.
    pub application: ApplicationId,
    /// Active reviewers it still lacks.
    pub missing: u32,
    /// Why.
    pub reason: UnstaffedReason,
}

/// Why an application stays short of reviewers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnstaffedReason {
    /// The pool has fewer reviewers than each application needs.
    PoolTooSmall,
    /// The pool is large enough, but too many of its reviewers are conflicted with the
    /// application or already on it.
    Conflicts,
}

impl UnstaffedReason {
    /// Every reason.
    pub const ALL: [UnstaffedReason; 2] =
        [UnstaffedReason::PoolTooSmall, UnstaffedReason::Conflicts];

    /// The stable code.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::PoolTooSmall => "pool_too_small",
            Self::Conflicts => "conflicts",
        }
    }
}

crate::codes::displayed_as_code!(UnstaffedReason);

/// Plans new assignments so that every application has `per_application` active
/// reviewers: never a conflicted pair, never the same reviewer twice on one application,
/// and a balanced load (a reviewer's load is their existing plus new assignments).
///
/// The most constrained applications go first (fewest eligible reviewers, then by id);
/// each slot takes the eligible reviewer with the lowest load, ties by reviewer id. An
/// application's existing active reviewers fill its slots, whether or not they are still
/// in the pool. Reviewers have no capacity limit, so an application stays short only when
/// it has fewer eligible reviewers than the slots it has left. Deterministic: the same
/// input, taken as sets, gives the same plan.
#[must_use]
pub fn plan(input: &PlanInput<'_>) -> Plan {
    let applications = sorted_unique(input.applications);
    let reviewers = sorted_unique(input.reviewers);
    let application_index = |id: &ApplicationId| applications.binary_search(id).ok();
    let reviewer_index = |id: &UserId| reviewers.binary_search(id).ok();

    let mut existing = input.existing.to_vec();
    existing.sort_unstable();
    existing.dedup();
    // Per application: the pool reviewers it may not get (conflicted or already on it),
    // and how many active reviewers it already has.
    let mut blocked: Vec<Vec<usize>> = vec![Vec::new(); applications.len()];
    let mut filled = vec![0u32; applications.len()];
    let mut load = vec![0u64; reviewers.len()];
    for (application, reviewer) in &existing {
        let r = reviewer_index(reviewer);
        if let Some(r) = r {
            load[r] += 1;
        }
        if let Some(a) = application_index(application) {
            filled[a] = filled[a].saturating_add(1);
            blocked[a].extend(r);
        }
    }
    for (reviewer, application) in input.conflicts {
        if let (Some(r), Some(a)) = (reviewer_index(reviewer), application_index(application)) {
            blocked[a].push(r);
        }
    }
    for list in &mut blocked {
        list.sort_unstable();
        list.dedup();
    }

    let eligible = |a: usize| reviewers.len() - blocked[a].len();
    let mut order: Vec<usize> = (0..applications.len())
        .filter(|&a| filled[a] < input.per_application)
        .collect();
    order.sort_by_key(|&a| (eligible(a), a));

    // Reviewers by (load, id): the first eligible ones are the next to take.
    let mut queue: BTreeSet<(u64, usize)> = load.iter().copied().zip(0..).collect();
    let pool_too_small = u32::try_from(reviewers.len()).is_ok_and(|n| n < input.per_application);
    let mut assignments = Vec::new();
    let mut unstaffed = Vec::new();
    let mut picked: Vec<(u64, usize)> = Vec::new();
    for a in order {
        let needed = input.per_application - filled[a];
        let wanted = usize::try_from(needed).unwrap_or(usize::MAX);
        picked.clear();
        picked.extend(
            queue
                .iter()
                .filter(|(_, r)| blocked[a].binary_search(r).is_err())
                .take(wanted),
        );
        for &(reviewer_load, r) in &picked {
            queue.remove(&(reviewer_load, r));
            queue.insert((reviewer_load + 1, r));
            assignments.push((applications[a], reviewers[r]));
        }
        let staffed = u32::try_from(picked.len()).unwrap_or(u32::MAX);
        if staffed < needed {
            unstaffed.push(Unstaffed {
                application: applications[a],
                missing: needed - staffed,
                reason: if pool_too_small {
                    UnstaffedReason::PoolTooSmall
                } else {
                    UnstaffedReason::Conflicts
                },
            });
        }
    }
    unstaffed.sort_by_key(|u| u.application);
    Plan {
        assignments,
        unstaffed,
    }
}

/// The ids sorted, each once.
fn sorted_unique<T: Ord + Copy>(ids: &[T]) -> Vec<T> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    ids
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use uuid::Uuid;

    use super::*;

    fn id(n: u128) -> UserId {
        UserId(Uuid::from_u128(n))
    }

    /// Applications are 1000.., reviewers 1..
    fn app(n: u128) -> ApplicationId {
        ApplicationId(Uuid::from_u128(1000 + n))
    }

    fn input<'a>(
        applications: &'a [ApplicationId],
        reviewers: &'a [UserId],
        per_application: u32,
        existing: &'a [(ApplicationId, UserId)],
        conflicts: &'a BTreeSet<(UserId, ApplicationId)>,
    ) -> PlanInput<'a> {
        PlanInput {
            applications,
            reviewers,
            per_application,
            existing,
            conflicts,
        }
    }

    #[test]
    fn the_status_table_is_as_written() {
        use AssignmentAction as A;
        use AssignmentStatus as S;
        let allowed = [
            (S::Assigned, A::Accept, S::Accepted),
            (S::Assigned, A::Decline, S::Declined),
            (S::Accepted, A::Decline, S::Declined),
            (S::Assigned, A::SaveReview, S::Accepted),
            (S::Accepted, A::SaveReview, S::Accepted),
            (S::Assigned, A::SubmitReview, S::Submitted),
            (S::Accepted, A::SubmitReview, S::Submitted),
            (S::Submitted, A::Reopen, S::Accepted),
            (S::Assigned, A::Recuse, S::Recused),
            (S::Accepted, A::Recuse, S::Recused),
            (S::Submitted, A::Recuse, S::Recused),
        ];
        for status in S::ALL {
            for action in A::ALL {
                let expected = allowed
                    .iter()
                    .find(|(from, act, _)| *from == status && *act == action)
                    .map(|(_, _, to)| *to)
                    .ok_or(AssignmentError::WrongStatus { action, status });
                assert_eq!(next_status(status, action), expected, "{action} {status}");
            }
        }
    }

    #[test]
    fn errors_read_as_sentences_and_have_slugs() {
        let err = AssignmentError::WrongStatus {
            action: AssignmentAction::SubmitReview,
            status: AssignmentStatus::Declined,
        };
        assert_eq!(
            err.to_string(),
            "cannot submit_review an assignment that is declined"
        );
        assert_eq!(err.code(), "assignment-wrong-status");
    }

    #[test]
    fn only_declined_and_recused_assignments_free_their_slot() {
        let active: Vec<bool> = AssignmentStatus::ALL
            .iter()
            .map(|s| s.is_active())
            .collect();
        assert_eq!(active, vec![true, true, false, true, false]);
    }

    #[test]
    fn statuses_parse_back() {
        for status in AssignmentStatus::ALL {
            assert_eq!(status.code().parse::<AssignmentStatus>(), Ok(status));
        }
        assert_eq!(
            "open".parse::<AssignmentStatus>(),
            Err(UnknownAssignmentStatus)
        );
        assert_eq!(UnstaffedReason::PoolTooSmall.to_string(), "pool_too_small");
        assert_eq!(UnstaffedReason::Conflicts.to_string(), "conflicts");
    }

    #[test]
    fn the_lowest_loaded_reviewer_takes_each_slot() {
        let applications = [app(1), app(2)];
        let reviewers = [id(3), id(1), id(2)];
        // Reviewer 1 already reviews an application of another round.
        let existing = [(app(9), id(1))];
        let conflicts = BTreeSet::new();
        let plan = plan(&input(&applications, &reviewers, 2, &existing, &conflicts));
        assert_eq!(
            plan,
            Plan {
                assignments: vec![
                    (app(1), id(2)),
                    (app(1), id(3)),
                    (app(2), id(1)),
                    (app(2), id(2)),
                ],
                unstaffed: Vec::new(),
            }
        );
    }

    #[test]
    fn the_most_constrained_application_goes_first() {
        let applications = [app(1), app(2)];
        let reviewers = [id(1), id(2)];
        // Application 2 may only get reviewer 2; application 1 may get either.
        let conflicts = BTreeSet::from([(id(1), app(2))]);
        let plan = plan(&input(&applications, &reviewers, 1, &[], &conflicts));
        assert_eq!(plan.assignments, vec![(app(2), id(2)), (app(1), id(1))]);
        assert_eq!(plan.unstaffed, Vec::new());
    }

    #[test]
    fn existing_assignments_fill_slots() {
        let applications = [app(1), app(2)];
        let reviewers = [id(1), id(2), id(3)];
        let existing = [(app(1), id(1)), (app(1), id(2)), (app(2), id(1))];
        let plan = plan(&input(
            &applications,
            &reviewers,
            2,
            &existing,
            &BTreeSet::new(),
        ));
        assert_eq!(plan.assignments, vec![(app(2), id(3))]);
        assert_eq!(plan.unstaffed, Vec::new());
    }

    #[test]
    fn a_small_pool_leaves_every_application_short() {
        let applications = [app(2), app(1)];
        let reviewers = [id(1), id(2)];
        let plan = plan(&input(&applications, &reviewers, 3, &[], &BTreeSet::new()));
        assert_eq!(plan.assignments.len(), 4);
        assert_eq!(
            plan.unstaffed,
            vec![
                Unstaffed {
                    application: app(1),
                    missing: 1,
                    reason: UnstaffedReason::PoolTooSmall,
                },
                Unstaffed {
                    application: app(2),
                    missing: 1,
                    reason: UnstaffedReason::PoolTooSmall,
                },
            ]
        );
    }

    #[test]
    fn conflicts_leave_an_application_short() {
        let applications = [app(1), app(2)];
        let reviewers = [id(1), id(2), id(3)];
        let conflicts = BTreeSet::from([(id(1), app(2)), (id(2), app(2))]);
        let existing = [(app(2), id(3))];
        let plan = plan(&input(&applications, &reviewers, 2, &existing, &conflicts));
        assert_eq!(plan.assignments, vec![(app(1), id(1)), (app(1), id(2))]);
        assert_eq!(
            plan.unstaffed,
            vec![Unstaffed {
                application: app(2),
                missing: 1,
                reason: UnstaffedReason::Conflicts,
            }]
        );
    }

    #[test]
    fn an_empty_pool_staffs_nothing() {
        let applications = [app(1)];
        let plan = plan(&input(&applications, &[], 1, &[], &BTreeSet::new()));
        assert_eq!(plan.assignments, Vec::new());
        assert_eq!(
            plan.unstaffed,
            vec![Unstaffed {
                application: app(1),
                missing: 1,
                reason: UnstaffedReason::PoolTooSmall,
            }]
        );
    }

    /// A random small instance: applications, reviewers, slots, existing pairs
    /// (application, reviewer) and conflicts (reviewer, application).
    #[derive(Debug, Clone)]
    struct Instance {
        applications: Vec<ApplicationId>,
        reviewers: Vec<UserId>,
        per_application: u32,
        existing: Vec<(ApplicationId, UserId)>,
        conflicts: BTreeSet<(UserId, ApplicationId)>,
    }

    impl Instance {
        fn input(&self) -> PlanInput<'_> {
            input(
                &self.applications,
                &self.reviewers,
                self.per_application,
                &self.existing,
                &self.conflicts,
            )
        }
    }

    /// A small deterministic generator for shuffling.
    fn xorshift(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    fn shuffled<T: Clone>(items: &[T], seed: u64) -> Vec<T> {
        let mut items = items.to_vec();
        let mut state = seed | 1;
        for i in (1..items.len()).rev() {
            let j = usize::try_from(xorshift(&mut state) % (i as u64 + 1)).unwrap_or(0);
            items.swap(i, j);
        }
        items
    }

    fn instance(
        conflicts_allowed: bool,
        existing_allowed: bool,
    ) -> impl Strategy<Value = Instance> {
        (1..40usize, 1..12usize, 1..4u32).prop_flat_map(move |(apps, revs, per)| {
            let pairs = apps * revs;
            let conflict_pct = if conflicts_allowed { 0..25u8 } else { 0..1u8 };
            (
                Just((apps, revs, per)),
                prop::collection::vec(0..100u8, pairs),
                conflict_pct,
                prop::collection::vec(0..100u8, pairs),
                if existing_allowed { 0..10u8 } else { 0..1u8 },
                // Seeds for scrambled ids, so that id order and index order differ.
                any::<u64>(),
            )
                .prop_map(
                    |(
                        (apps, revs, per),
                        conflict_rolls,
                        conflict_pct,
                        existing_rolls,
                        existing_pct,
                        seed,
                    )| {
                        let mut state = seed | 1;
                        let applications: Vec<ApplicationId> = (0..apps)
                            .map(|_| ApplicationId(Uuid::from_u64_pair(xorshift(&mut state), 1)))
                            .collect();
                        let reviewers: Vec<UserId> = (0..revs)
                            .map(|_| UserId(Uuid::from_u64_pair(xorshift(&mut state), 2)))
                            .collect();
                        let mut conflicts = BTreeSet::new();
                        let mut existing = Vec::new();
                        for (a, application) in applications.iter().enumerate() {
                            for (r, reviewer) in reviewers.iter().enumerate() {
                                let k = a * revs + r;
                                if conflict_rolls[k] < conflict_pct {
                                    conflicts.insert((*reviewer, *application));
                                } else if existing_rolls[k] < existing_pct {
                                    existing.push((*application, *reviewer));
                                }
                            }
                        }
                        Instance {
                            applications,
                            reviewers,
                            per_application: per,
                            existing,
                            conflicts,
                        }
                    },
                )
        })
    }

    /// Whether every application of the instance has enough reviewers: those already
    /// on it plus the pool's others that are not conflicted.
    fn staffable(instance: &Instance) -> bool {
        instance.applications.iter().all(|application| {
            let on_it: BTreeSet<UserId> = instance
                .existing
                .iter()
                .filter(|(a, _)| a == application)
                .map(|(_, r)| *r)
                .collect();
            let free = instance
                .reviewers
                .iter()
                .filter(|r| {
                    !on_it.contains(r) && !instance.conflicts.contains(&(**r, *application))
                })
                .count();
            on_it.len() + free >= instance.per_application as usize
        })
    }

    proptest! {
        #[test]
        fn plans_never_conflict_or_repeat(instance in instance(true, true)) {
            let plan = plan(&instance.input());
            let mut seen: BTreeSet<(ApplicationId, UserId)> = instance.existing.iter().copied().collect();
            for (application, reviewer) in &plan.assignments {
                prop_assert!(!instance.conflicts.contains(&(*reviewer, *application)));
                prop_assert!(seen.insert((*application, *reviewer)), "repeated pair");
                prop_assert!(instance.applications.contains(application));
                prop_assert!(instance.reviewers.contains(reviewer));
            }
        }

        #[test]
        fn a_plan_is_complete_exactly_when_every_application_is_staffable(
            instance in instance(true, true),
        ) {
            let plan = plan(&instance.input());
            prop_assert_eq!(plan.unstaffed.is_empty(), staffable(&instance));
            let mut active: BTreeMap<ApplicationId, u32> = BTreeMap::new();
            for (application, _) in instance.existing.iter().chain(&plan.assignments) {
                *active.entry(*application).or_default() += 1;
            }
            for application in &instance.applications {
                let short = plan.unstaffed.iter().find(|u| u.application == *application);
                let have = active.get(application).copied().unwrap_or(0);
                if have < instance.per_application {
                    prop_assert_eq!(short.map(|u| u.missing), Some(instance.per_application - have));
                } else {
                    prop_assert!(short.is_none());
                }
            }
            let small = instance.reviewers.len() < instance.per_application as usize;
            for short in &plan.unstaffed {
                prop_assert_eq!(short.reason == UnstaffedReason::PoolTooSmall, small);
            }
        }

        #[test]
        fn without_conflicts_the_load_is_balanced(instance in instance(false, false)) {
            let plan = plan(&instance.input());
            let mut load: BTreeMap<UserId, usize> =
                instance.reviewers.iter().map(|r| (*r, 0)).collect();
            for (_, reviewer) in &plan.assignments {
                *load.entry(*reviewer).or_default() += 1;
            }
            let max = load.values().max().copied().unwrap_or(0);
            let min = load.values().min().copied().unwrap_or(0);
            prop_assert!(max - min <= 1, "loads {:?}", load);
        }

        #[test]
        fn the_plan_does_not_depend_on_input_order(instance in instance(true, true), seed in any::<u64>()) {
            let expected = plan(&instance.input());
            let applications = shuffled(&instance.applications, seed);
            let reviewers = shuffled(&instance.reviewers, seed.rotate_left(17));
            let mut existing = shuffled(&instance.existing, seed.rotate_left(31));
            // Repeats are harmless too.
            existing.extend(existing.first().copied());
            let actual = plan(&input(
                &applications,
                &reviewers,
                instance.per_application,
                &existing,
                &instance.conflicts,
            ));
            prop_assert_eq!(actual, expected);
        }
    }
}
