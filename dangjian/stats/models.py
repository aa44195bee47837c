from dangjian.stats.models_screen import ScreenLayout

__all__ = ["ScreenLayout"]
