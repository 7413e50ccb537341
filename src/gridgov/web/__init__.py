"""Web shell: login and logout, the base layout with navigation by role, the home redirect.
Domain pages live in their own apps; this app only frames them."""
