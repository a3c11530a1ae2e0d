/**
 * The settings of the functions that run a unit's statements (`opd_load`, `opd_write` and the
 * conditional writes). Their statements' plans depend on nothing that varies: planning them again
 * on each call cost more than running them. Index lookups only: the tables they read are small
 * but rewritten by every unit (doctors' revs, day counters), and a sequential scan walks every
 * dead row version left on their pages. No JIT: with sequential scans off, a scan left in a plan
 * is costed so high that PostgreSQL would compile the query, about 25 ms of CPU per call for
 * microseconds of work.
 */
export const UNIT_SETTINGS = `SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
SET jit = off`;
