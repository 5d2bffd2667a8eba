"""dsched_hooks: schemathesis strategies for the string formats openapi/dsched.json names but
JSON Schema cannot state (a schedule's grammar, a duration, a zone the node knows, a user of its
--allowed-users), so that the positive cases it generates are mostly ones the node accepts and
get past validation to the store, the firing layer and the answers. Loaded by contract.py through
SCHEMATHESIS_HOOKS."""
import schemathesis
from hypothesis import strategies as st

# Durations of at least a second: contract.py runs the node with --min-frequency 1s.
DURATION = st.builds(lambda n, unit: f"{n}{unit}", st.integers(1, 10_000), st.sampled_from(["s", "m", "h", "d", "S", "M"])) | st.sampled_from(["1h30m", "PT5M", "P1DT12H", "2d", "PT1.5S", "1M30S"])
CRON = st.sampled_from(["0 3 * * *", "*/5 * * * *", "0 9 * * MON-FRI", "*/10 * * * * *", "0 0 1 JAN *", "@daily", "@hourly", "@every 90s", "15,45 9-17 * * *", "0 0 29 2 *"])
MILLISECONDS = st.integers(1_000, 10**12).map(str)

schemathesis.openapi.format("dsched-duration", DURATION)
schemathesis.openapi.format("dsched-schedule", DURATION | CRON | MILLISECONDS)
schemathesis.openapi.format("iana-time-zone", st.sampled_from(["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham"]))
schemathesis.openapi.format("dsched-user", st.just("nobody"))
