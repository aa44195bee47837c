"""The portal's part of ``seed_demo``: the site root, the sections (one per town of the demo
county), and a handful of published articles with small images drawn with Pillow."""

from __future__ import annotations

import io
import zlib
from typing import Any

from django.core.files.images import ImageFile
from django.db import transaction

from dangjian.core.actors import ActingUser

TITLES = {
    "news": ["县委召开党建工作推进会", "全县开展主题党日活动", "基层党组织书记培训班开班", "党员志愿服务进社区"],
    "results": ["美丽乡村建设成果展", "党建引领基层治理成效显著"],
    "notices": ["关于开展党费收缴工作的通知", "关于召开组织生活会的通知"],
    "policies": ["中国共产党支部工作条例（试行）学习要点"],
}
SECTIONS = [("news", "资讯动态", "news"), ("results", "成果展示", "results"), ("notices", "通知公告", "notices"),
            ("policies", "政策文件", "policies")]


def _image(title: str, color: tuple[int, int, int], acting_user: ActingUser) -> Any:
    from PIL import Image as PILImage
    from PIL import ImageDraw
    from wagtail.images.models import Image

    img = PILImage.new("RGB", (320, 200), color)
    draw = ImageDraw.Draw(img)
    for i in range(0, 320, 40):
        draw.rectangle([i, 150, i + 20, 200], fill=(255, 215, 0))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    buf.seek(0)
    return Image.objects.create(title=title, file=ImageFile(buf, name=f"demo-{zlib.crc32(title.encode()) % 10**6}.png"),
                                uploaded_by_user=acting_user)


def seed_portal(ctx: Any) -> None:
    from dangjian.core.models import User
    from dangjian.portal import ReviewStage
    from dangjian.portal.actions import (
        do_create_article,
        do_create_section,
        do_review,
        do_set_reviewer,
        do_setup_portal,
        do_submit_for_review,
        do_sync_editor_groups,
    )

    if ctx.scale == "province":
        return
    admin = ctx.users.get("demo-admin") or User.objects.filter(is_superuser=True).order_by("pk").first()
    if admin is None:
        return
    with transaction.atomic():
        home = do_setup_portal(acting_user=admin, title=f"{ctx.root.display_name} 党建门户", root_org=ctx.root)
        if home.get_children().exists():
            return
        sections = {}
        for kind, title, slug in SECTIONS:
            sections[kind] = do_create_section(home, title=title, kind=kind, slug=slug, organization=ctx.root,
                                               acting_user=admin)
        towns = do_create_section(home, title="镇街风采", kind="town", slug="towns", organization=ctx.root,
                                  acting_user=admin)
        for i, org in enumerate(ctx.root.get_children().order_by("path")[:3]):
            do_create_section(towns, title=org.display_name, kind="town", slug=f"town-{i + 1}",
                              organization=org, acting_user=admin)
        # The demo administrator edits the county's sections and holds all three review stages, so
        # the demo articles pass the real 三审三校 workflow (and a visitor can try reviewing).
        do_sync_editor_groups(admin)
        for stage in ReviewStage:
            do_set_reviewer(admin, stage, acting_user=admin)
        admin = User.objects.get(pk=admin.pk)  # fresh permission caches
        n = 0
        for kind, titles in TITLES.items():
            for title in titles:
                n += 1
                cover = _image(title, (181, 18 + n * 12 % 200, 27), admin) if kind in {"news", "results"} else None
                body: list[tuple[str, Any]] = [("text", f"<p>{title}。本文由演示数据生成，介绍{ctx.root.display_name}的有关情况。</p>")]
                if cover is not None:
                    body.append(("image", {"image": cover, "caption": title}))
                article = do_create_article(sections[kind], {
                    "title": title, "summary": f"{title}（演示）", "author": "县委组织部", "cover_image": cover,
                    "body": body,
                }, acting_user=admin)
                do_submit_for_review(article, acting_user=admin)
                for _stage in ReviewStage:
                    do_review(article, acting_user=admin, approve=True, comment="演示数据")
