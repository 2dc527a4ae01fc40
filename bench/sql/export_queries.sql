-- Demands JSONL (the `jiangqiao match rank` query format): a fixed sample of 2,000 demands.
--   psql -At -h 127.0.0.1 -U postgres jq_bench -f bench/sql/export_queries.sql > bench/out/queries-2k.jsonl
SELECT json_build_object(
    'id', coalesce(d.number, 'D' || d.id),
    'title', d.title,
    'description', d.description,
    'tags', d.tags,
    'industries', d.industry_codes,
    'region', d.region_code,
    'onsite', d.delivery_mode <> 'online',
    'min_skill_level', CASE d.min_skill_level WHEN 'senior_technician' THEN 1 WHEN 'technician' THEN 2
                           WHEN 'senior_worker' THEN 3 WHEN 'intermediate_worker' THEN 4
                           WHEN 'junior_worker' THEN 5 END,
    'employer_uscc', e.uscc
)
FROM demands_demand d JOIN demands_enterprise e ON e.id = d.enterprise_id
WHERE d.id % 150 = 7
ORDER BY d.id
LIMIT 2000;
