"""People and organisations: platform admins, sponsor/school/venue members, wallets."""
