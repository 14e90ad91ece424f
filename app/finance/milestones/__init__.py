"""Contract milestones (계약 이행 단계: 선금, 기성, 준공), their inspection and the payments they gate."""
