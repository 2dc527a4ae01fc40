"""Top 推荐工匠 of one demo demand for one user, as docs/matching.md records them (not stored).

    DATABASE_URL=sqlite:////tmp/sugg.sqlite3 DEMAND=146 WHO=ns_staff \
        .venv/bin/python manage.py shell < bench/demo_suggestions.py

(after ``manage.py migrate``, ``load_reference_data`` and ``demo_data --size small`` on that DB).
"""

import os

from jiangqiao.accounts.models import User
from jiangqiao.demands.models import Demand
from jiangqiao.matching import selectors
from jiangqiao.matching.engine import relevance
from jiangqiao.talents.models import Craftsman

pk = int(os.environ.get("DEMAND", "146"))
user = User.objects.get(username=os.environ.get("WHO", "ns_staff"))
demand = Demand.objects.select_related("enterprise").get(pk=pk)
print(f"需求 {demand.pk}：{demand.title}（{demand.org}）；用户 {user.username}（{user.org}）")
visible = selectors.visible_craftsman_ids(user)
for i, r in enumerate(selectors.demand_ranking(user=user, demand=demand, top=10), 1):
    c = Craftsman.objects.select_related("org").get(pk=r.craftsman_id)
    inside = visible is None or c.pk in visible
    summary = r.why["summary"] if inside else r.why["summary_public"]
    scope = "本单位" if inside else "跨单位"
    print(
        f"{i:2d}. {c.name}（{c.org.name}，{scope}）{relevance(r.score)} | " + "；".join(summary[:2])
    )
