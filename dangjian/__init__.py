"""Dangjian Cloud (党建云): Internet + party building for a county or a province."""
