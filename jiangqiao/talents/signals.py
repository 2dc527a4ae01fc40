"""Signals of the talents app (apps above it connect receivers; talents imports none of them)."""

from __future__ import annotations

from django.dispatch import Signal

#: Sent inside the transaction of ``services.consent_withdraw`` with ``craftsman``, ``purpose``,
#: ``actor`` and ``reason``. Receivers end, through their own services, what depended on the
#: consent (casework: open invitations; matching: open proposals). A receiver that raises rolls
#: the withdrawal back, so nothing is half done.
consent_withdrawn = Signal()
