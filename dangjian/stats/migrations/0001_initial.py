# An empty first migration, so the overview screen's 0002_screen has a parent on this branch
# (the year-end tables' 0001_initial replaces it at merge).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies: list = []
    operations: list = []
