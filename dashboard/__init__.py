"""The Streamlit dashboard over the warehouse (read-only) and its SQL."""
