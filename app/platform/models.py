"""One place that imports every model module, so Alembic and tests see the whole schema."""

from __future__ import annotations


def import_all_models() -> None:
    """Import every module that defines tables."""
    from app.finance import models as finance_models  # noqa: F401
    from app.finance.assets import models as assets_models  # noqa: F401
    from app.finance.bulk import models as bulk_models  # noqa: F401
    from app.finance.cycle import models as cycle_models  # noqa: F401
    from app.finance.revenue import models as revenue_models  # noqa: F401
    from app.ops import models as ops_models  # noqa: F401
    from app.platform import audit, governments, jobs  # noqa: F401
    from app.platform.auth import models  # noqa: F401
