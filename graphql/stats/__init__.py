"""Dashboard statistics: loan figures and pool figures, computed in SQL."""
