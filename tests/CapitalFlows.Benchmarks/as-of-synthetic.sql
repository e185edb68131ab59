-- Synthetic fund movements for timing the as-of read without writing a million events through the service.
--
-- Fills capitalflows.mt_fund_movements (FundMovementProjection's table) with ~605,000 rows — what a store of about
-- 1,000,000 events holds — over the real locality codes: VN, the 63 provinces before 2025 and the 3,321 communes of
-- 2025, ten funds (source/programme) each, effective dates 2021-01-01..2026-11-26 (never backwards within a fund),
-- recorded in one import (recorded_at grows with effective date within a fund), one or two of the six amounts non-zero
-- per row as real events have. Province 01 (Hà Nội, 126 communes) is skewed to ~29,500 rows in its subtree.
-- Deterministic (setseed). Rows are inserted in recorded order, as the projection writes them.
--
-- Run from the repository root against a scratch database whose schema the service created (start it once, or
-- `dotnet run --project src/CapitalFlows -- db-apply`), then time the read:
--   psql -h HOST -p PORT -U postgres -d DB -f tests/CapitalFlows.Benchmarks/as-of-synthetic.sql
--   psql ... -c "vacuum analyze capitalflows.mt_fund_movements"   -- until pg_class.relallvisible = relpages
--   psql ... -c "explain (analyze, buffers) <FundQueries.HistoricalCommand's SQL, with the codes of 01's subtree>"
-- The subtree of 01 as of a date after 2025-07-01 is '01' and the communes whose province_code is 01.
\set ON_ERROR_STOP on
create temp table provinces (code text, name text, type text, new_code text, new_name text, communes int);
\copy provinces from 'src/CapitalFlows/ReferenceData/provinces-pre2025.csv' csv header
create temp table communes (code text, name text, type text, province text, province_name text, merged_from text, name_2026 text);
\copy communes from 'src/CapitalFlows/ReferenceData/communes-2025.csv' csv header
select setseed(0.20261127);

-- Rows per fund: VN 1,500; province 01 300, other provinces 80; communes of 01 21, other communes 10..22.
create temp table gen_localities as
select 'VN'::text as code, 1500 as lo, 1500 as hi
union all select code, case when code = '01' then 300 else 80 end, case when code = '01' then 300 else 80 end from provinces
union all select code, case when province = '01' then 21 else 10 end, case when province = '01' then 21 else 22 end from communes;

create temp table gen_funds as
select l.code as locality,
       l.code || '/' || (array['central-budget','local-budget','charity','mobilised'])[1 + i % 4] || '/' ||
         (array['general','poor-households','near-poor-households','newly-escaped-poverty','students','job-creation',
                'clean-water-sanitation','social-housing','disadvantaged-area-business','ethnic-minority',
                'post-prison-reintegration'])[1 + (i + abs(hashtext(l.code))) % 11] as fund,
       l.lo + floor(random() * (l.hi - l.lo + 1))::int as n
from gen_localities l cross join generate_series(0, 9) i;

-- The kind of event decides which amounts move: inflow 20 %, allocation received 20 %, recall from the fund 3 %,
-- allocated down 15 %, recall received 3 %, lent 20 %, lending reversed 2 %, repaid 15 %, inflow reversed 2 %.
create temp table gen_rows as
with r as (
  select f.fund, f.locality, j,
         date '2021-01-01' + floor((j - 1 + random()) * (date '2026-11-26' - date '2021-01-01') / f.n)::int as effective_on,
         random() as kind, (1 + floor(random() * 5000))::bigint * 1000000 as amount
  from gen_funds f cross join lateral generate_series(1, f.n) j)
select fund, locality, effective_on,
       timestamptz '2026-11-26 08:00:00+00' + (effective_on - date '2021-01-01') * interval '30 seconds' + j * interval '1 millisecond' as recorded_at,
       case when kind < 0.20 then amount else 0 end as inflows,
       case when kind >= 0.98 then amount else 0 end as inflows_reversed,
       case when kind < 0.40 then amount when kind < 0.43 then -amount when kind >= 0.98 then -amount else 0 end as received,
       case when kind >= 0.43 and kind < 0.58 then amount when kind >= 0.58 and kind < 0.61 then -amount else 0 end as passed_down,
       case when kind >= 0.61 and kind < 0.81 then amount when kind >= 0.81 and kind < 0.83 then -amount else 0 end as lent,
       case when kind >= 0.83 and kind < 0.98 then amount else 0 end as repaid
from r;

truncate capitalflows.mt_fund_movements;
insert into capitalflows.mt_fund_movements
    (id, fund, locality, effective_on, recorded_at, inflows_vnd, inflows_reversed_vnd, received_vnd, passed_down_vnd, lent_vnd, repaid_vnd)
select gen_random_uuid(), fund, locality, effective_on, recorded_at, inflows, inflows_reversed, received, passed_down, lent, repaid
from gen_rows order by recorded_at;

select count(*) as rows,
       count(*) filter (where locality = '01' or locality in (select code from communes where province = '01')) as rows_in_subtree_of_01,
       pg_size_pretty(pg_table_size('capitalflows.mt_fund_movements')) as table_size,
       pg_size_pretty(pg_indexes_size('capitalflows.mt_fund_movements')) as index_size
from capitalflows.mt_fund_movements;
