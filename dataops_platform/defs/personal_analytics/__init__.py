"""The personal-analytics domain (smart-home sensors, fitness, personal finance): an optional
domain, built when DATAOPS_DOMAINS names `personal_analytics`."""
