"""Revenue: assessment (부과) → collection (징수결의) → receipt (수납), refunds (과오납 환급), receivables."""
