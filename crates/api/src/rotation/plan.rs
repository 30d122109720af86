//! The resume planner: given the journal of a rotation, what `rotate resume` must do next.
//!
//! It keeps the rotation invariant at every point:
//! 1. every key the command created either has had its secret delivered or is deleted — a
//!    key created but not recorded as delivered is deleted, because its secret lived only in
//!    the memory of the process that died;
//! 2. the old key is deleted only after the new key was delivered AND verified, and never
//!    once the rotation is abandoned or the new key deleted.
//!
//! The planner is pure (no I/O, no clock); the caller performs the returned action, records
//! its step, and asks again until [`Resume::Done`]. Every action is safe to repeat after a
//! crash in its middle: deletes of missing keys and re-assignments are no-ops on the service
//! side, and the caller treats a 404 on a delete as done.
//!
//! What it must NOT do: guess. A journal it cannot place (no `Started`) yields
//! [`Resume::Done`] with nothing deleted.

use atlas_keys_model::{ApiKeyId, ProjectId};

use super::journal::{Mode, Step};

/// What `rotate resume` must do next.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Resume {
    /// The create was requested but its answer never recorded: list the organization's keys,
    /// delete each whose description contains `marker` (nobody has its secret), then record
    /// [`Step::NewKeyDeleted`] (with the key found, or `None`).
    DeleteUnrecordedKey {
        /// The text to look for in descriptions.
        marker: String,
    },
    /// The new key exists but its secret was not (recorded as) delivered, or the rotation was
    /// abandoned: delete it, then record [`Step::NewKeyDeleted`]. The old key is untouched.
    DeleteNewKey {
        /// The new key.
        key: ApiKeyId,
    },
    /// The secret was delivered: carry on with the copy and verification.
    ContinueFrom(NextStep),
    /// Two-phase and verified: nothing to do until `rotate finish` (which records
    /// [`Step::FinishRequested`]) or `resume --abort` (which records [`Step::Abandoned`]).
    AwaitFinish,
    /// Delivered and verified (and, two-phase, finish requested): delete the old key, then
    /// record [`Step::OldKeyDeleted`]. A one-shot rotation still asks first on a terminal.
    DeleteOldKey {
        /// The old key.
        key: ApiKeyId,
    },
    /// Nothing is left to do on the service: record [`Step::Finished`].
    Close(Outcome),
    /// The journal is finished (or empty): nothing to do.
    Done,
}

/// Where a delivered rotation picks up.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NextStep {
    /// Assign the new key to every project of the old key not in `assigned` (recording
    /// [`Step::Assigned`] for each), copy the access list, record
    /// [`Step::AccessListCopied`], then verify.
    CopyRolesAndAccessList {
        /// Projects already recorded as assigned.
        assigned: Vec<ProjectId>,
    },
    /// Verify the new key's credentials, then record [`Step::Verified`].
    Verify,
}

/// How a rotation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// The old key is deleted; the new one was delivered and verified.
    Rotated,
    /// The new key is deleted; the old one is untouched.
    RolledBack,
    /// The process stopped before asking for a key: nothing was written.
    NothingCreated,
}

/// What a journal says happened, folded.
#[derive(Debug, Default)]
struct Progress {
    old_key: Option<ApiKeyId>,
    mode: Option<Mode>,
    create_marker: Option<String>,
    new_key: Option<ApiKeyId>,
    delivered: bool,
    assigned: Vec<ProjectId>,
    access_list_copied: bool,
    verified: bool,
    finish_requested: bool,
    old_key_deleted: bool,
    abandoned: bool,
    new_key_deleted: bool,
    finished: bool,
}

impl Progress {
    fn fold<'a>(steps: impl IntoIterator<Item = &'a Step>) -> Self {
        let mut p = Self::default();
        for step in steps {
            match step {
                Step::Started { old_key, mode, .. } => {
                    p.old_key = Some(*old_key);
                    p.mode = Some(*mode);
                }
                Step::CreateRequested { marker } => p.create_marker = Some(marker.clone()),
                Step::Created { new_key_id, .. } => p.new_key = Some(*new_key_id),
                Step::Delivered { .. } => p.delivered = true,
                Step::Assigned { project } => {
                    if !p.assigned.contains(project) {
                        p.assigned.push(*project);
                    }
                }
                Step::AccessListCopied => p.access_list_copied = true,
                Step::Verified => p.verified = true,
                Step::FinishRequested => p.finish_requested = true,
                Step::OldKeyDeleted => p.old_key_deleted = true,
                Step::Abandoned { .. } => p.abandoned = true,
                Step::NewKeyDeleted { .. } => p.new_key_deleted = true,
                Step::Finished => p.finished = true,
            }
        }
        p
    }
}

/// The next action for a rotation whose journal holds `steps` (oldest first).
///
/// ```
/// use atlas_keys::rotation::journal::{Mode, Step};
/// use atlas_keys::rotation::plan::{plan, Resume};
///
/// let started = Step::Started {
///     org: "aaaaaaaaaaaaaaaaaaaaaaaa".parse()?, old_key: "bbbbbbbbbbbbbbbbbbbbbbbb".parse()?,
///     desc: None, mode: Mode::OneShot, self_rotation: false, delivery: "file:k.json".into(),
/// };
/// let created = Step::Created {
///     new_key_id: "cccccccccccccccccccccccc".parse()?,
///     new_public_key: "newpubky".parse()?,
/// };
/// // Killed after the create, before the delivery: the new key's secret is gone.
/// assert_eq!(plan([&started, &created]),
///     Resume::DeleteNewKey { key: "cccccccccccccccccccccccc".parse()? });
/// # Ok::<(), atlas_keys::model::ValidationError>(())
/// ```
pub fn plan<'a>(steps: impl IntoIterator<Item = &'a Step>) -> Resume {
    let p = Progress::fold(steps);
    let Some(old_key) = p.old_key else {
        return Resume::Done;
    };
    if p.finished {
        return Resume::Done;
    }
    if p.old_key_deleted {
        return Resume::Close(Outcome::Rotated);
    }
    if p.new_key_deleted {
        return Resume::Close(Outcome::RolledBack);
    }
    // From here no key was deleted. A key exists (or may) whenever a create was requested.
    let undo = || match (p.new_key, &p.create_marker) {
        (Some(key), _) => Resume::DeleteNewKey { key },
        (None, Some(marker)) => Resume::DeleteUnrecordedKey {
            marker: marker.clone(),
        },
        (None, None) => Resume::Close(Outcome::NothingCreated),
    };
    if p.abandoned || !p.delivered {
        // Undelivered: the secret died with the process, so the key must go (invariant 1).
        return undo();
    }
    if p.new_key.is_none() {
        // `Delivered` without `Created` is a journal no writer produces; deleting by marker
        // is the only move that cannot leave an orphan.
        return undo();
    }
    if !p.access_list_copied {
        return Resume::ContinueFrom(NextStep::CopyRolesAndAccessList {
            assigned: p.assigned,
        });
    }
    if !p.verified {
        return Resume::ContinueFrom(NextStep::Verify);
    }
    match p.mode {
        Some(Mode::TwoPhase) if !p.finish_requested => Resume::AwaitFinish,
        _ => Resume::DeleteOldKey { key: old_key },
    }
}

#[cfg(test)]
mod tests {
    //! A model of the service and of the command (forward run, `finish`, `resume`), with the
    //! process killed at any point, checks the invariant on every prefix of every journal.

    use std::collections::BTreeSet;

    use proptest::prelude::*;

    use super::*;
    use crate::rotation::deliver::DeliveryReceipt;

    const OLD: u8 = 0;

    fn key_id(n: u8) -> ApiKeyId {
        format!("{n:024x}").parse().unwrap()
    }

    fn project_id(n: u8) -> ProjectId {
        format!("{:024x}", 0x100 + u32::from(n)).parse().unwrap()
    }

    /// The service and the process, as far as the invariant cares.
    #[derive(Debug, Default)]
    struct World {
        /// Keys on the service, with the description marker they carry.
        keys: BTreeSet<u8>,
        marked: BTreeSet<u8>,
        next_key: u8,
        /// Keys whose secret reached the target.
        delivered: BTreeSet<u8>,
        /// Keys whose credentials were proven.
        verified: BTreeSet<u8>,
        journal: Vec<Step>,
        /// Every step of every journal ever written, to test each prefix.
        prefixes: Vec<Vec<Step>>,
        /// Operations left before the process is killed (None: never).
        crash_in: Option<usize>,
    }

    /// The process was killed.
    struct Killed;

    impl World {
        fn new() -> Self {
            Self {
                keys: BTreeSet::from([OLD]),
                next_key: 1,
                ..Self::default()
            }
        }

        /// One operation (a service effect or a journal append); the kill lands between two.
        fn tick(&mut self) -> Result<(), Killed> {
            match &mut self.crash_in {
                Some(0) => {
                    self.crash_in = None;
                    Err(Killed)
                }
                Some(n) => {
                    *n -= 1;
                    Ok(())
                }
                None => Ok(()),
            }
        }

        fn record(&mut self, step: Step) -> Result<(), Killed> {
            self.tick()?;
            self.journal.push(step);
            self.prefixes.push(self.journal.clone());
            Ok(())
        }

        fn create(&mut self) -> Result<u8, Killed> {
            self.record(Step::CreateRequested { marker: "m".into() })?;
            self.tick()?;
            let id = self.next_key;
            self.next_key += 1;
            self.keys.insert(id);
            self.marked.insert(id);
            // The secret exists only in this process from here on.
            self.record(Step::Created {
                new_key_id: key_id(id),
                new_public_key: "newpubky".parse().unwrap(),
            })?;
            Ok(id)
        }

        fn delete(&mut self, id: u8) -> Result<(), Killed> {
            self.tick()?;
            self.keys.remove(&id);
            Ok(())
        }

        fn copy_and_verify(
            &mut self,
            new: u8,
            projects: u8,
            from: &[ProjectId],
        ) -> Result<(), Killed> {
            for p in 0..projects {
                if !from.contains(&project_id(p)) {
                    self.tick()?;
                    self.record(Step::Assigned {
                        project: project_id(p),
                    })?;
                }
            }
            self.tick()?;
            self.record(Step::AccessListCopied)?;
            self.verify(new)
        }

        fn verify(&mut self, new: u8) -> Result<(), Killed> {
            self.tick()?;
            assert!(self.keys.contains(&new), "verifying a key that is gone");
            assert!(
                self.delivered.contains(&new),
                "verifying an undelivered key"
            );
            self.verified.insert(new);
            self.record(Step::Verified)
        }

        fn new_key(&self) -> Option<u8> {
            self.journal.iter().find_map(|s| match s {
                Step::Created { new_key_id, .. } => {
                    (1..self.next_key).find(|n| key_id(*n) == *new_key_id)
                }
                _ => None,
            })
        }

        fn delete_old(&mut self) -> Result<(), Killed> {
            let new = self
                .new_key()
                .expect("deleting the old key without a new one");
            assert!(
                self.delivered.contains(&new),
                "old key deleted before delivery"
            );
            assert!(
                self.verified.contains(&new),
                "old key deleted before verification"
            );
            self.delete(OLD)?;
            self.record(Step::OldKeyDeleted)
        }
    }

    /// What can happen in one forward run.
    #[derive(Clone, Copy, Debug)]
    struct Script {
        mode: Mode,
        projects: u8,
        delivery_fails: bool,
        verification_fails: bool,
        /// Two-phase: whether the user then runs `finish` or `resume --abort`.
        finish_not_abort: bool,
    }

    fn forward(w: &mut World, s: Script) -> Result<(), Killed> {
        w.record(Step::Started {
            org: key_id(0xaa).as_str().parse().unwrap(),
            old_key: key_id(OLD),
            desc: None,
            mode: s.mode,
            self_rotation: false,
            delivery: "file:k.json".into(),
        })?;
        let new = w.create()?;
        w.tick()?;
        if s.delivery_fails {
            w.delete(new)?;
            w.record(Step::NewKeyDeleted {
                key: Some(key_id(new)),
            })?;
            return w.record(Step::Finished);
        }
        w.delivered.insert(new);
        w.record(Step::Delivered {
            receipt: DeliveryReceipt::Stdout,
        })?;
        if s.verification_fails {
            w.record(Step::Abandoned {
                reason: "verification failed".into(),
            })?;
            w.delete(new)?;
            w.record(Step::NewKeyDeleted {
                key: Some(key_id(new)),
            })?;
            return w.record(Step::Finished);
        }
        w.copy_and_verify(new, s.projects, &[])?;
        if s.mode == Mode::TwoPhase {
            return Ok(());
        }
        w.delete_old()?;
        w.record(Step::Finished)
    }

    /// `rotate resume` (and, at [`Resume::AwaitFinish`], the user's `finish` or `--abort`).
    fn resume(w: &mut World, s: Script) -> Result<(), Killed> {
        for _ in 0..64 {
            match plan(&w.journal) {
                Resume::Done => return Ok(()),
                Resume::Close(_) => w.record(Step::Finished)?,
                Resume::DeleteUnrecordedKey { marker } => {
                    assert_eq!(marker, "m");
                    let found: Vec<u8> = w.keys.intersection(&w.marked).copied().collect();
                    for id in &found {
                        w.delete(*id)?;
                    }
                    w.record(Step::NewKeyDeleted {
                        key: found.first().map(|n| key_id(*n)),
                    })?;
                }
                Resume::DeleteNewKey { key } => {
                    let id = (1..w.next_key).find(|n| key_id(*n) == key).unwrap();
                    w.delete(id)?;
                    w.record(Step::NewKeyDeleted { key: Some(key) })?;
                }
                Resume::ContinueFrom(NextStep::CopyRolesAndAccessList { assigned }) => {
                    let new = w.new_key().unwrap();
                    w.copy_and_verify(new, s.projects, &assigned)?;
                }
                Resume::ContinueFrom(NextStep::Verify) => {
                    let new = w.new_key().unwrap();
                    w.verify(new)?;
                }
                Resume::AwaitFinish => {
                    if s.finish_not_abort {
                        w.record(Step::FinishRequested)?;
                    } else {
                        w.record(Step::Abandoned {
                            reason: "--abort".into(),
                        })?;
                    }
                }
                Resume::DeleteOldKey { key } => {
                    assert_eq!(key, key_id(OLD));
                    w.delete_old()?;
                }
            }
        }
        panic!("resume did not converge: {:?}", w.journal);
    }

    fn script() -> impl Strategy<Value = Script> {
        (
            prop_oneof![Just(Mode::OneShot), Just(Mode::TwoPhase)],
            0u8..4,
            prop::bool::weighted(0.2),
            prop::bool::weighted(0.2),
            any::<bool>(),
        )
            .prop_map(
                |(mode, projects, delivery_fails, verification_fails, finish_not_abort)| Script {
                    mode,
                    projects,
                    delivery_fails,
                    verification_fails,
                    finish_not_abort,
                },
            )
    }

    /// The invariant on a journal prefix and the planner's answer to it.
    fn check_decision(steps: &[Step]) {
        let p = Progress::fold(steps);
        let decision = plan(steps);
        if let Resume::DeleteOldKey { .. } = decision {
            assert!(p.delivered && p.verified, "{steps:?}");
            assert!(!p.abandoned && !p.new_key_deleted, "{steps:?}");
        }
        if let Resume::ContinueFrom(_) = decision {
            assert!(
                p.delivered && !p.abandoned && p.new_key.is_some(),
                "{steps:?}"
            );
        }
        if p.new_key.is_some() && !p.delivered && !p.new_key_deleted && !p.finished {
            assert!(matches!(decision, Resume::DeleteNewKey { .. }), "{steps:?}");
        }
        if p.create_marker.is_some() && p.new_key.is_none() && !p.new_key_deleted && !p.finished {
            assert!(
                matches!(decision, Resume::DeleteUnrecordedKey { .. }),
                "{steps:?}"
            );
        }
    }

    /// The end state after resume: invariant 1 on the service, and invariant 2.
    fn check_end(w: &World) {
        for key in &w.keys {
            if *key != OLD {
                assert!(
                    w.delivered.contains(key),
                    "undelivered key {key} left: {:?}",
                    w.journal
                );
            }
        }
        if !w.keys.contains(&OLD) {
            let new = w.new_key().unwrap();
            assert!(
                w.keys.contains(&new) && w.verified.contains(&new),
                "{:?}",
                w.journal
            );
        } else {
            assert!(
                w.keys.len() <= 2,
                "more than one new key left: {:?}",
                w.journal
            );
        }
        assert_eq!(plan(&w.journal), Resume::Done);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Killed after any number of operations in the forward run and again (up to twice)
        /// during resume: every prefix gets a decision that keeps the invariant, and resume
        /// ends with no undelivered key and the old key deleted only after verification.
        #[test]
        fn every_prefix_of_every_journal_resumes_safely(
            s in script(),
            forward_crash in prop::option::of(0usize..40),
            resume_crashes in prop::collection::vec(0usize..20, 0..3),
        ) {
            let mut w = World::new();
            w.crash_in = forward_crash;
            let _ = forward(&mut w, s);
            for crash in resume_crashes {
                w.crash_in = Some(crash);
                let _ = resume(&mut w, s);
            }
            w.crash_in = None;
            let _ = resume(&mut w, s);
            for prefix in &w.prefixes {
                check_decision(prefix);
                // A prefix cut anywhere is a journal a killed process may leave.
                for cut in 0..=prefix.len() {
                    check_decision(&prefix[..cut]);
                }
            }
            check_end(&w);
        }
    }

    #[test]
    fn a_journal_without_start_is_left_alone() {
        assert_eq!(plan(&[]), Resume::Done);
        assert_eq!(plan(&[Step::Verified]), Resume::Done);
    }

    #[test]
    fn started_only_closes_with_nothing_created() {
        let started = Step::Started {
            org: key_id(0xaa).as_str().parse().unwrap(),
            old_key: key_id(OLD),
            desc: None,
            mode: Mode::OneShot,
            self_rotation: false,
            delivery: "env -- x".into(),
        };
        assert_eq!(plan([&started]), Resume::Close(Outcome::NothingCreated));
    }
}
