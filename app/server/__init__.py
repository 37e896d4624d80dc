"""The collector (`cuecards collect`, extra `server`): receives the daily reports the app uploads,
checks every body, and stores each batch once in SQLite or PostgreSQL. The tray never loads it."""
