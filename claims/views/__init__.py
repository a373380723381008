"""Browser views, thin: they read input, call claims.services and render templates."""
