-- Fold the facts into one part whenever the stream has been quiet for 30 s.
-- Reads fold each case's rows with FINAL. Over parts whose key ranges overlap (new cases
-- land everywhere in the key space), FINAL merges every row and costs about 2 us per case.
-- Over one part it only reads. ClickHouse merges a partition whose parts are all older than
-- min_age_to_force_merge_seconds, so quiet hours (nights, after a backfill) leave a single
-- part and the fastest reads, for the API and Grafana alike.
ALTER TABLE case_facts MODIFY SETTING min_age_to_force_merge_seconds = 30, min_age_to_force_merge_on_partition_only = 1;
ALTER TABLE feedback_facts MODIFY SETTING min_age_to_force_merge_seconds = 30, min_age_to_force_merge_on_partition_only = 1;
