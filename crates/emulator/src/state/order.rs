//! The list-order index of one org's or one project's keys (sort key → key id), able to
//! jump to the n-th entry, so that serving one page costs O(log n + page) rather than
//! O(offset).
//!
//! A `BTreeMap<u64, String>` kept the order but could only reach the n-th entry by walking
//! the n before it, which made listing a large project page by page quadratic. Here the
//! entries live in sorted blocks of at most `2 * BLOCK`, next to the count of entries before
//! each block: finding a rank is a binary search over those counts, and a write moves at
//! most one block plus the (short) list of counts. It behaves exactly like the map it
//! replaces: insert replaces the id at an existing sequence number, remove by sequence
//! number. This module must NOT look keys up or order by anything but its sort key.

/// Target block size: a write moves at most `2 * BLOCK` entries, and a list of n entries
/// has at most `2n / BLOCK + 1` blocks.
const BLOCK: usize = 512;

/// Key ids by sort key, indexable by rank.
#[derive(Debug)]
pub(crate) struct OrderIndex<K, V = atlas_keys_model::ApiKeyId> {
    /// Sorted by sequence number within and across blocks; no block is empty, and two
    /// neighbouring blocks together hold more than `BLOCK` entries.
    blocks: Vec<Vec<(K, V)>>,
    /// `starts[i]` is the number of entries in the blocks before block `i`.
    starts: Vec<usize>,
    len: usize,
}

impl<K, V> Default for OrderIndex<K, V> {
    fn default() -> Self {
        OrderIndex {
            blocks: Vec::new(),
            starts: Vec::new(),
            len: 0,
        }
    }
}

impl<K: Ord, V> OrderIndex<K, V> {
    /// The number of entries.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The block that holds `seq` if it is present: the first block whose last entry is
    /// not below `seq` (or `blocks.len()` when every entry is below it).
    fn block_of(&self, seq: &K) -> usize {
        self.blocks
            .partition_point(|b| b.last().is_some_and(|(s, _)| s < seq))
    }

    /// Sets the id at `seq`, replacing the id already there (as `BTreeMap::insert` does).
    pub(crate) fn insert(&mut self, seq: K, id: V) {
        // Past the last entry means appending to the last block: the common case, since
        // new keys take the next sequence number.
        let b = self.block_of(&seq).min(self.blocks.len().saturating_sub(1));
        let Some(block) = self.blocks.get_mut(b) else {
            self.blocks.push(vec![(seq, id)]);
            self.recount();
            return;
        };
        match block.binary_search_by(|(s, _)| s.cmp(&seq)) {
            Ok(i) => {
                if let Some(entry) = block.get_mut(i) {
                    entry.1 = id;
                }
                return;
            }
            Err(i) => block.insert(i, (seq, id)),
        }
        if block.len() > 2 * BLOCK {
            let tail = block.split_off(BLOCK);
            self.blocks.insert(b + 1, tail);
        }
        self.recount();
    }

    /// Removes the entry at `seq`, if any.
    pub(crate) fn remove(&mut self, seq: &K) {
        let mut b = self.block_of(seq);
        let Some(block) = self.blocks.get_mut(b) else {
            return;
        };
        let Ok(i) = block.binary_search_by(|(s, _)| s.cmp(seq)) else {
            return;
        };
        block.remove(i);
        if block.is_empty() {
            self.blocks.remove(b);
        } else {
            // Merge small neighbours, so the block count stays bounded after many removals.
            if self.pair_len(b) <= BLOCK {
                let next = self.blocks.remove(b + 1);
                self.extend_block(b, next);
            }
            if b > 0 && self.pair_len(b - 1) <= BLOCK {
                let this = self.blocks.remove(b);
                b -= 1;
                self.extend_block(b, this);
            }
        }
        self.recount();
    }

    /// The entries in blocks `b` and `b + 1` together, or `usize::MAX` when `b + 1` does
    /// not exist (so that nothing is merged).
    fn pair_len(&self, b: usize) -> usize {
        match (self.blocks.get(b), self.blocks.get(b + 1)) {
            (Some(x), Some(y)) => x.len() + y.len(),
            _ => usize::MAX,
        }
    }

    fn extend_block(&mut self, b: usize, more: Vec<(K, V)>) {
        if let Some(block) = self.blocks.get_mut(b) {
            block.extend(more);
        }
    }

    fn recount(&mut self) {
        self.starts.clear();
        let mut n = 0;
        for b in &self.blocks {
            self.starts.push(n);
            n += b.len();
        }
        self.len = n;
    }

    /// Every id, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &V> {
        self.blocks.iter().flatten().map(|(_, id)| id)
    }

    /// The ids of ranks `start..end` (zero-based, clamped to the length), in sequence
    /// order.
    pub(crate) fn window(&self, start: usize, end: usize) -> impl Iterator<Item = &V> {
        let end = end.min(self.len);
        let start = start.min(end);
        // The last block that starts at or before `start`.
        let b = self
            .starts
            .partition_point(|&s| s <= start)
            .saturating_sub(1);
        let skip = start - self.starts.get(b).copied().unwrap_or(0).min(start);
        let first = self
            .blocks
            .get(b)
            .and_then(|block| block.get(skip..))
            .unwrap_or_default();
        let rest = self.blocks.get(b + 1..).unwrap_or_default();
        first
            .iter()
            .chain(rest.iter().flatten())
            .take(end - start)
            .map(|(_, id)| id)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;

    type SeqIndex = OrderIndex<u64, String>;

    fn strs<'a>(it: impl Iterator<Item = &'a String>) -> Vec<&'a str> {
        it.map(String::as_str).collect()
    }

    fn check_shape(ix: &SeqIndex) {
        assert!(
            ix.blocks
                .iter()
                .all(|b| !b.is_empty() && b.len() <= 2 * BLOCK)
        );
        assert!(
            ix.blocks
                .windows(2)
                .all(|w| w[0].len() + w[1].len() > BLOCK)
        );
        let seqs: Vec<u64> = ix.blocks.iter().flatten().map(|(s, _)| *s).collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(seqs.len(), ix.len());
    }

    #[test]
    fn the_last_page_of_a_large_list() {
        let mut ix = SeqIndex::default();
        for seq in 0..100_000u64 {
            ix.insert(seq, format!("k{seq}"));
        }
        check_shape(&ix);
        assert_eq!(ix.len(), 100_000);
        let last: Vec<&str> = strs(ix.window(99_500, 100_000));
        assert_eq!(last.len(), 500);
        assert_eq!(last.first(), Some(&"k99500"));
        assert_eq!(last.last(), Some(&"k99999"));
        // A window that runs past the end is clamped; one wholly past it is empty.
        assert_eq!(strs(ix.window(99_999, 100_499)), ["k99999"]);
        assert_eq!(ix.window(100_000, 100_500).count(), 0);
        assert_eq!(ix.window(usize::MAX, usize::MAX).count(), 0);
        // Removing an early entry shifts every later rank by one.
        ix.remove(&0);
        assert_eq!(strs(ix.window(0, 2)), ["k1", "k2"]);
        assert_eq!(strs(ix.window(99_498, 99_499)), ["k99499"]);
        check_shape(&ix);
    }

    #[test]
    fn empty() {
        let mut ix = SeqIndex::default();
        assert_eq!(ix.window(0, 10).count(), 0);
        ix.remove(&3);
        ix.insert(3, "a".to_owned());
        ix.insert(3, "b".to_owned());
        assert_eq!(strs(ix.iter()), ["b"]);
        ix.remove(&3);
        assert_eq!(ix.len(), 0);
        assert_eq!(ix.window(0, 10).count(), 0);
    }

    #[test]
    fn removing_everything_keeps_blocks_merged() {
        let mut ix = SeqIndex::default();
        let mut model = BTreeMap::new();
        for seq in 0..6000u64 {
            ix.insert(seq * 2, seq.to_string());
            model.insert(seq * 2, seq.to_string());
        }
        // Fill the gaps out of order, then remove in a scattered order (7 is coprime to
        // 12000), so both splits and merges happen in the middle of the list.
        for seq in (0..6000u64).rev() {
            ix.insert(seq * 2 + 1, format!("odd{seq}"));
            model.insert(seq * 2 + 1, format!("odd{seq}"));
        }
        check_shape(&ix);
        for i in 0..12_000u64 {
            let seq = (i * 7) % 12_000;
            ix.remove(&seq);
            model.remove(&seq);
            if i % 997 == 0 {
                check_shape(&ix);
                let want: Vec<&str> = model
                    .values()
                    .skip(1000)
                    .take(300)
                    .map(String::as_str)
                    .collect();
                assert_eq!(strs(ix.window(1000, 1300)), want);
            }
        }
        assert_eq!(ix.len(), 0);
        assert!(ix.blocks.is_empty() && ix.starts.is_empty());
    }

    #[derive(Debug, Clone)]
    enum Step {
        Insert(u64, u8),
        Remove(u64),
    }

    fn step() -> impl Strategy<Value = Step> {
        // A small sequence space, so that replacing and removing present entries is common.
        prop_oneof![
            3 => (0..3000u64, any::<u8>()).prop_map(|(s, v)| Step::Insert(s, v)),
            2 => (0..3000u64).prop_map(Step::Remove),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// The index answers every window exactly as skip/take over the map it replaced.
        #[test]
        fn same_as_a_btreemap(steps in prop::collection::vec(step(), 0..4000),
                              start in 0..3500usize, len in 0..600usize) {
            let mut ix = SeqIndex::default();
            let mut model: BTreeMap<u64, String> = BTreeMap::new();
            for s in steps {
                match s {
                    Step::Insert(seq, v) => {
                        ix.insert(seq, format!("{seq}:{v}"));
                        model.insert(seq, format!("{seq}:{v}"));
                    }
                    Step::Remove(seq) => {
                        ix.remove(&seq);
                        model.remove(&seq);
                    }
                }
            }
            check_shape(&ix);
            prop_assert_eq!(ix.len(), model.len());
            prop_assert!(ix.iter().eq(model.values()));
            let want: Vec<&str> = model.values().skip(start).take(len).map(String::as_str).collect();
            let got: Vec<&str> = strs(ix.window(start, start.saturating_add(len)));
            prop_assert_eq!(got, want);
        }
    }
}
