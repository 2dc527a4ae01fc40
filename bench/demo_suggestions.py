"""Top 推荐工匠 of one demo demand for one user, as docs/matching.md records them (not stored).

    DATABASE_URL=sqlite:////tmp/sugg.sqlite3 DEMAND=146 WHO=ns_staff \
        .venv/bin/python manage.py shell < bench/demo_suggestions.py

(after ``manage.py migrate``, ``load_reference_data`` and ``demo_data --size small`` on that DB).

With ``TITLE`` (and optionally ``DESCRIPTION``, ``INDUSTRY``), a demand of that title is made once in
the scratch database — a copy of the first demand of the user's own unit (its enterprise, region and
delivery mode) — and ranked instead, e.g. the QA walk's demand::

    TITLE=数控机床主轴异响 INDUSTRY=3421 \
    DESCRIPTION=我公司一台立式加工中心主轴高速运转时出现异响，加工精度下降 ...
"""

import os

from jiangqiao.accounts.models import User
from jiangqiao.demands.models import Demand
from jiangqiao.matching import selectors
from jiangqiao.matching.engine import relevance
from jiangqiao.talents.models import Craftsman

pk = int(os.environ.get("DEMAND", "146"))
user = User.objects.get(username=os.environ.get("WHO", "ns_staff"))
if os.environ.get("TITLE"):
    title = os.environ["TITLE"]
    made = Demand.objects.filter(title=title).first()
    if made is None:
        made = Demand.objects.filter(org=user.org).order_by("pk").first()
        assert made is not None, "the user's unit has no demand to copy"
        made.pk = made.id = None
        made.number = f"{made.number}-Q"
        made.title = title
        made.description = os.environ.get("DESCRIPTION", title)
        made.current_state = made.desired_outcome = ""
        made.tags = []
        if os.environ.get("INDUSTRY"):
            made.industry_codes = [os.environ["INDUSTRY"]]
        made.save()
    pk = made.pk
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
