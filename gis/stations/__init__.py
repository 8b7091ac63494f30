"""Stations of the 15-minute living circle: types, circles, coverage and siting."""
