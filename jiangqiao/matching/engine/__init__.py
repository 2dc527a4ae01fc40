"""The matching engine (no Django): rank craftsmen for demands and staff demands under constraints.

Public API::

    from jiangqiao.matching.engine import (
        MatchIndex, Filters, Ranked, Expert, Evidence, Query, expert_from_dict, query_from_dict,
        InputError, default_encoder, load_vocabulary, why, DEFAULT, FusionConfig,
    )

    index = MatchIndex(default_encoder(), load_vocabulary(), DEFAULT)
    index.add(experts, embeddings={expert_id: item_vectors})   # vectors optional (encoded if absent)
    ranked = index.rank(query, top=10, filters=Filters(region="440300"), query_vector=vector)
    explanation = why(ranked[0], query, index.vocab, index.config)

Constrained assignment lives in :mod:`jiangqiao.matching.engine.assign`.
"""

from .dense import HashEncoder, USEEncoder, default_encoder
from .explain import why
from .fusion import DEFAULT, SIGNAL_LABELS, FusionConfig, relevance
from .index import Filters, MatchIndex, Ranked
from .model import Evidence, Expert, InputError, Query, expert_from_dict, query_from_dict
from .vocab import Vocabulary, load_vocabulary

__all__ = [
    "DEFAULT",
    "SIGNAL_LABELS",
    "Evidence",
    "Expert",
    "Filters",
    "FusionConfig",
    "HashEncoder",
    "InputError",
    "MatchIndex",
    "Query",
    "Ranked",
    "USEEncoder",
    "Vocabulary",
    "default_encoder",
    "expert_from_dict",
    "load_vocabulary",
    "query_from_dict",
    "relevance",
    "why",
]
