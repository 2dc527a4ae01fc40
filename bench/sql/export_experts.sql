-- Experts JSONL (the `jiangqiao match rank` format) from the large demo set, for bench/match_speed.py:
--   psql -At -h 127.0.0.1 -U postgres jq_bench -f bench/sql/export_experts.sql > bench/out/experts-100k.jsonl
SELECT json_build_object(
    'id', 'c' || c.id,
    'name', c.name,
    'title', c.position,
    'expertise', c.expertise,
    'bio', c.bio,
    'industries', c.industries,
    'occupations', c.occupations,
    'region', o.region_code,
    'regions_served', c.regions_served,
    'cross_region', c.cross_region_ok,
    'skill_level', CASE c.skill_level WHEN 'senior_technician' THEN 1 WHEN 'technician' THEN 2
                       WHEN 'senior_worker' THEN 3 WHEN 'intermediate_worker' THEN 4
                       WHEN 'junior_worker' THEN 5 END,
    'capacity', c.max_open_services,
    'employer_uscc', c.employer_uscc,
    'service_items', coalesce((SELECT json_agg(json_build_object('title', s.title, 'description', s.description)
                                               ORDER BY s.sort, s.id)
                               FROM talents_serviceitem s WHERE s.craftsman_id = c.id AND s.is_active), '[]'::json)
)
FROM talents_craftsman c JOIN orgs_organization o ON o.id = c.org_id
WHERE c.status = 'active'
ORDER BY c.id;
