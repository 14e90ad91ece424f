"""Budget cycle after approval: transfers between lines (전용/이용), carry-over (이월), year-end settlement (결산)."""
