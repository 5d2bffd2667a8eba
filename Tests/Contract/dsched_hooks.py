"""dsched_hooks: schemathesis strategies for the string formats openapi/dsched.json names but
JSON Schema cannot state (a schedule's grammar, a duration, a zone the node knows, a user of its
--allowed-users), so that the positive cases it generates are mostly ones the node accepts and
get past validation to the store, the firing layer and the answers. Loaded by contract.py through
SCHEMATHESIS_HOOKS."""
import schemathesis
from hypothesis import strategies as st

# Periods of an hour or more: the node runs with --min-frequency 1h (OpenAPIContractTests), so
# that the jobs it is given fire seldom while the run lasts.
DURATION = st.builds(lambda n, unit: f"{n}{unit}", st.integers(1, 10_000), st.sampled_from(["h", "d", "H", "D"])) | st.sampled_from(["1h30m", "PT60M", "P1DT12H", "2d3h", "PT3600.5S", "1d1ms", "P2W"])
CRON = st.sampled_from(["0 3 * * *", "0 9 * * MON-FRI", "0 0 1 JAN *", "@daily", "@hourly", "@every 2h", "15 9-17 * * *", "0 0 29 2 *", "0 30 6 * * SUN"])
MILLISECONDS = st.integers(3_600_000, 10**12).map(str)

schemathesis.openapi.format("dsched-duration", DURATION | st.sampled_from(["250ms", "30s", "5m", "PT5M", "1M30S"]))
schemathesis.openapi.format("dsched-schedule", DURATION | CRON | MILLISECONDS)
schemathesis.openapi.format("iana-time-zone", st.sampled_from(["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham"]))
schemathesis.openapi.format("dsched-user", st.just("nobody"))
