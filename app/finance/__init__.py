"""e-Hojo+ (차세대 e호조+): budget, execution, contracts, treasury payments and the accrual ledger."""
