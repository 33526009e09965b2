"""Presenters: turn service results into Dash/Plotly structures."""
