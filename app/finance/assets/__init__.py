"""Public property (공유재산) with depreciation, local bonds (지방채), non-cash holdings, accrual statements."""
