"""Team mode (PREPLAB_ACCOUNTS=1): accounts with argon2 passwords, revocable sign-in sessions, sign-in back-off kept
in the database, an admin role, and the gate that asks every page and API call for a signed-in user."""
