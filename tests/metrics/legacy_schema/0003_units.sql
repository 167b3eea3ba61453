-- The unit tree of the plan, rewritten from the plan file at every start, so that
-- SQL (the API's and Grafana's) can take a unit's subtree as a union of cases.
CREATE TABLE IF NOT EXISTS units
(
    code String,
    name String,
    parent String,
    depth UInt8,
    position UInt16
)
ENGINE = MergeTree
ORDER BY code;

-- (unit, ancestor) for every unit and each unit above it, itself included.
CREATE TABLE IF NOT EXISTS unit_ancestors
(
    unit String,
    ancestor String
)
ENGINE = MergeTree
ORDER BY (ancestor, unit);

-- Effective target of every (unit, indicator); NULL where no target applies.
CREATE TABLE IF NOT EXISTS unit_targets
(
    unit String,
    indicator String,
    target Nullable(Float64)
)
ENGINE = MergeTree
ORDER BY (unit, indicator);
