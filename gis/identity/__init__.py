"""Who acts: principals, their roles on area scopes, passwords and tokens (issue 12)."""
