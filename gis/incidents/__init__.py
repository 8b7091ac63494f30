"""Incidents (诉求, 矛盾纠纷, 安全隐患): catalogue, lifecycle, locating, statistics — pure parts."""
