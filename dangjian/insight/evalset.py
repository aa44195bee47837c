"""The evaluation set (and the default sentiment training set): synthetic county opinions over known
topics, generated with a fixed seed; the tests generate it at test time.

Deterministic (``generate(seed=…)`` returns the same list every time), fast (a few thousand
texts in well under a second) and without any download. Each text knows its true topic
(``None`` for noise), whether it mixes two topics, its planted near-duplicate group, its
sentiment label and its routing history (the departments it went through, the last one final).

What it plants, so that the pipeline's tests measure something real:
- paraphrases: several sentence templates and synonyms per topic, boilerplate in and out;
- typos: a character swapped for a homophone now and then;
- near-duplicates: one problem, many voices (copies with punctuation, boilerplate and one
  character changed), and exact repeats;
- mixed topics: a sentence of a second topic appended (the true topic is the first);
- noise: greetings, tests, advertising, gibberish (true topic None);
- sentiment: complaints (negative), thank-you notes (positive), questions (neutral);
- routing: a topic's sub-issues belong to different departments; some texts were first sent to
  the wrong department and re-routed; some ended with the town government (not in the words);
- time: 120 days, some topics growing in the last 30 days; cases resolved, open or reopened.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

TZ = timezone(timedelta(hours=8))
START = datetime(2026, 8, 1, 9, 0, tzinfo=TZ)
DAYS = 120

TOWNS = ["城关镇", "河口镇", "青山乡", "柳林镇", "石桥镇", "白沙乡"]
COMMUNITIES = [
    "幸福小区", "阳光花园", "东风社区", "新华社区", "锦绣家园", "滨河小区", "桃源村", "杨庄村",
    "李家湾村", "金桂苑", "翠竹苑", "南门社区", "北关社区", "红旗村", "王家坪村", "碧水湾小区",
]
GRIDS = [f"第{n}网格" for n in "一二三四五六七八"]

# topic key: (label, [(department, subjects, problems)], sentence fillers)
TOPICS: dict[str, dict] = {
    "road": {
        "label": "道路破损",
        "subs": [
            ("交通运输局", ["乡村公路", "通村道路", "村道", "县道"], ["坑坑洼洼", "路面塌陷", "大坑积水", "路基被冲垮"]),
            ("住房和城乡建设局", ["小区门口的路", "人行道", "街道路面", "背街小巷"], ["地砖松动翘起", "路面开裂", "井盖缺失", "下雨积水过不去"]),
        ],
        "impact": ["电动车经常摔倒", "老人孩子出行很危险", "车辆通行困难", "晚上走路容易崴脚"],
    },
    "water": {
        "label": "供水停水",
        "subs": [
            ("水务局", ["自来水", "供水管道", "水管", "饮用水"], ["经常停水", "水压太低上不了楼", "水管爆裂漏水", "停水也不提前通知"]),
            ("卫生健康委员会", ["自来水水质", "井水", "二次供水水箱"], ["水发黄有异味", "水里有沉淀物", "烧开有水垢和怪味"]),
        ],
        "impact": ["做饭洗衣都成问题", "家里老人没法洗澡", "只能去外面买桶装水", "生活非常不便"],
    },
    "heating": {
        "label": "供暖不热",
        "subs": [
            ("住房和城乡建设局", ["暖气", "集中供暖", "暖气片", "供暖管道"], ["一点都不热", "室温只有十几度", "时冷时热", "管道漏水没人修"]),
        ],
        "impact": ["家里老人孩子冻得感冒", "晚上只能开电暖器", "交了取暖费却不热", "屋里要穿棉袄"],
    },
    "garbage": {
        "label": "垃圾清运",
        "subs": [
            ("城市管理局", ["垃圾桶", "垃圾站", "生活垃圾", "建筑垃圾"], ["好几天没人清运", "堆满了溢出来", "乱堆乱放", "臭气熏天招苍蝇"]),
            ("农业农村局", ["村里的垃圾池", "河边的垃圾", "秸秆"], ["没人收集", "随意焚烧冒黑烟", "倒进河沟里"]),
        ],
        "impact": ["夏天味道特别大", "影响居民健康", "蚊蝇滋生", "路过都要捂鼻子"],
    },
    "noise": {
        "label": "噪音扰民",
        "subs": [
            ("住房和城乡建设局", ["工地", "施工队", "搅拌机"], ["半夜还在施工", "夜间打桩", "凌晨运渣土"]),
            ("公安局", ["广场舞", "烧烤摊", "KTV"], ["音响声音太大", "深夜喧哗", "放音乐到十一点多"]),
        ],
        "impact": ["晚上根本睡不着", "孩子没法写作业", "老人心脏受不了", "第二天上班没精神"],
    },
    "pension": {
        "label": "养老金发放",
        "subs": [
            ("人力资源和社会保障局", ["养老金", "退休工资", "城乡居民养老保险"], ["迟迟没有到账", "发放金额不对", "认证后还是停发了", "缴费年限算错了"]),
        ],
        "impact": ["老人生活没有着落", "跑了好几趟都没办成", "家里经济困难", "不知道该找谁"],
    },
    "medical": {
        "label": "医保报销",
        "subs": [
            ("医疗保障局", ["医保报销", "新农合", "异地就医结算", "医保卡"], ["报销比例太低", "材料交了一直不给报", "异地住院不能直接结算", "医保卡被冻结"]),
        ],
        "impact": ["看病负担很重", "垫付了好几万", "来回跑好多次", "大病之后家里欠了债"],
    },
    "school": {
        "label": "入学学位",
        "subs": [
            ("教育局", ["孩子上学", "小学入学", "幼儿园学位", "划片招生"], ["学位不够排不上", "户口在这里却不让入学", "学区划分不合理", "离家太远没有校车"]),
        ],
        "impact": ["家长非常焦虑", "孩子只能去很远的学校", "每天接送很辛苦", "担心耽误孩子"],
    },
    "property": {
        "label": "物业管理",
        "subs": [
            ("住房和城乡建设局", ["物业公司", "物业", "电梯", "小区物业费"], ["乱收费", "不作为不管事", "电梯经常坏了困人", "公共收益不公开"]),
        ],
        "impact": ["业主意见很大", "老人上下楼很困难", "小区环境越来越差", "业主都不愿交物业费"],
    },
    "parking": {
        "label": "停车难",
        "subs": [
            ("公安局", ["乱停车", "占道停车", "车辆乱停乱放"], ["堵住了消防通道", "把路口堵死了", "占用盲道"]),
            ("城市管理局", ["停车位", "小区停车", "公共停车场"], ["太少根本停不下", "收费太贵", "被地锁占了"]),
        ],
        "impact": ["救护车都进不来", "每天上班都要堵很久", "邻里经常吵架", "出行特别不方便"],
    },
    "streetlight": {
        "label": "路灯照明",
        "subs": [
            ("城市管理局", ["路灯", "街灯", "小区路灯"], ["坏了好几个月没人修", "晚上全黑", "一闪一闪的"]),
        ],
        "impact": ["晚上回家很害怕", "已经有人摔伤了", "治安隐患大", "孩子放学路上黑漆漆的"],
    },
    "food": {
        "label": "食品安全",
        "subs": [
            ("市场监督管理局", ["菜市场", "学校门口的小卖部", "早餐店", "超市"], ["卖过期食品", "卫生条件很差", "缺斤短两", "没有营业执照"]),
        ],
        "impact": ["吃了拉肚子", "担心孩子吃坏身体", "消费者权益受损", "群众吃得不放心"],
    },
}

GREETINGS = ["您好，", "你好！", "领导好，", "尊敬的领导：", "", "", "", "书记您好，"]
OPENERS = ["我想反映一下", "反映一个问题：", "我要投诉", "向您反映", "", "", "请领导关注一下"]
DEMANDS = ["希望尽快解决。", "请相关部门尽快处理！", "希望领导重视，早日解决。", "恳请有关部门管一管。",
           "盼望早日得到答复。", "希望能给个说法。", "请尽快派人来看看。", ""]
DURATIONS = ["已经一个多月了", "快半年了", "好几天了", "两个星期了", "从上个月开始", "去年就这样"]
THANKS = ["感谢{dept}的工作人员，{place}的{subject}问题已经解决了，效率很高，为你们点赞！",
          "非常感谢，之前反映的{place}{subject}的事情处理得很及时，群众很满意。",
          "{place}的{subject}修好了，谢谢政府，谢谢{dept}！",
          "给{dept}点个赞，{subject}的问题几天就处理好了，服务态度也好。"]
# harder ones: thanks with a complaint inside (negative), praise without thanks (positive),
# a question naming a problem (neutral)
BUT_STILL = ["谢谢你们上次的答复，但是{place}的{subject}还是{problem}，{demand}",
             "感谢关心，可{subject}{problem}的事到现在也没解决，群众很失望。"]
PRAISE = ["{place}的{subject}现在好多了，点赞！", "{subject}的事办得漂亮，{place}居民都说好。"]
ASK_PROBLEM = ["请问{subject}{problem}这种情况该找谁？", "想问一下，{subject}{problem}归哪个单位管？"]
QUESTIONS = ["请问{subject}的事情应该找哪个部门？需要带什么材料？",
             "想咨询一下，{place}的{subject}有什么办理流程？",
             "请问关于{subject}，现在有什么新的政策吗？",
             "咨询：{subject}一般多长时间能办好？在哪里办理？"]
COMPLAINTS = [
    "{greet}{opener}{place}{grid}的{subject}{problem}，{duration}，{impact}，{demand}",
    "{greet}{place}{subject}{problem}，{impact}。{duration}，一直没人管。{demand}",
    "{opener}{subject}{problem}的问题。我们是{place}的居民，{impact}，{demand}",
    "{place}这边{subject}{problem}，{duration}。{impact}！{demand}",
    "{greet}我家住{place}，{subject}{problem}，{impact}，反映过好几次了，{demand}",
    "关于{place}{subject}{problem}的问题：{duration}，{impact}。{demand}",
]
NOISE = ["测试", "你好", "在吗？", "谢谢", "今天天气不错", "哈哈哈哈", "高价回收旧手机，联系微信", "111111",
         "兼职刷单日结，加我", "abc", "。。。", "祝大家新年快乐", "我就随便看看", "好好好", "路过",
         "转发一下", "这个平台怎么用", "收到", "嗯嗯", "顶一下"]
# characters swapped for a homophone (typing with pinyin input)
TYPOS = {"路": "露", "水": "谁", "坏": "怀", "修": "休", "费": "废", "管": "馆", "停": "庭", "报": "抱",
         "学": "雪", "暖": "缓", "区": "去", "理": "里", "决": "绝", "车": "扯", "垃": "拉", "乱": "论"}


@dataclass
class EvalText:
    id: int
    text: str
    topic: str | None  # the true topic key; None for noise
    sentiment: str  # "neg" | "pos" | "neu"
    departments: list[str] = field(default_factory=list)  # routing history, the last one final
    created_at: datetime = START
    place: str = ""
    dup_group: int | None = None  # planted near-duplicate group (the first text's id)
    mixed: bool = False
    resolved: bool = False
    reopened: bool = False

    @property
    def final_department(self) -> str:
        return self.departments[-1] if self.departments else ""


ALL_DEPARTMENTS = sorted({sub[0] for t in TOPICS.values() for sub in t["subs"]})
GROWING = ("heating", "water", "noise")  # many more texts in the last 30 days


def _typo(rng: random.Random, text: str) -> str:
    spots = [i for i, ch in enumerate(text) if ch in TYPOS]
    if not spots:
        return text
    i = rng.choice(spots)
    return text[:i] + TYPOS[text[i]] + text[i + 1:]


def _near_copy(rng: random.Random, text: str) -> str:
    """Another voice with the same problem: boilerplate, punctuation and a character changed."""
    out = text
    r = rng.random()
    if r < 0.3:
        out = rng.choice(["您好，", "你好，", "领导好，"]) + out
    elif r < 0.5:
        out = out.replace("，", ",", 2)
    elif r < 0.7:
        out = out + rng.choice(["谢谢！", "急！", "拜托了。", "同意楼上"])
    else:
        out = out.rstrip("。！") + "！！"
    if rng.random() < 0.5:
        out = _typo(rng, out)
    return out


def _pick(rng: random.Random, options: list[str], split: str | None) -> str:
    """A template; with ``split`` the even ones ("train") or the odd ones ("test") only, so a
    held-out set can be worded in ways the classifiers never saw."""
    if split is not None:
        options = options[split == "test"::2] or options
    return rng.choice(options)


def _complaint(rng: random.Random, key: str, split: str | None = None) -> tuple[str, str, str]:
    topic = TOPICS[key]
    dept, subjects, problems = rng.choice(topic["subs"])
    place = rng.choice(TOWNS) + rng.choice(COMMUNITIES)
    text = _pick(rng, COMPLAINTS, split).format(
        greet=rng.choice(GREETINGS), opener=rng.choice(OPENERS), place=place,
        grid=rng.choice(GRIDS) if rng.random() < 0.3 else "", subject=rng.choice(subjects),
        problem=rng.choice(problems), duration=rng.choice(DURATIONS), impact=rng.choice(topic["impact"]),
        demand=rng.choice(DEMANDS),
    )
    return text, dept, place


def _time(rng: random.Random, key: str | None) -> datetime:
    if key in GROWING and rng.random() < 0.6:
        day = rng.randrange(DAYS - 30, DAYS)
    else:
        day = rng.randrange(DAYS)
    return START + timedelta(days=day, minutes=rng.randrange(600))


def generate(n: int = 4000, *, seed: int = 17, noise_share: float = 0.04, dup_share: float = 0.12,
             mixed_share: float = 0.06, typo_share: float = 0.08, reroute_share: float = 0.15,
             town_share: float = 0.06, split: str | None = None) -> list[EvalText]:
    """``n`` texts (exactly), the same for the same arguments. ``split`` ("train" / "test") keeps
    to half of the sentence templates each (see ``_pick``)."""
    rng = random.Random(seed)  # noqa: S311 (test data, not secrets)
    keys = sorted(TOPICS)
    out: list[EvalText] = []
    while len(out) < n:
        i = len(out)
        r = rng.random()
        if r < noise_share:
            out.append(EvalText(i, rng.choice(NOISE), None, "neu", created_at=_time(rng, None)))
            continue
        if r < noise_share + dup_share and out:
            base = out[rng.randrange(len(out))]
            if base.topic is not None and base.sentiment == "neg":
                group = base.dup_group if base.dup_group is not None else base.id
                base.dup_group = group
                text = base.text if rng.random() < 0.25 else _near_copy(rng, base.text)
                out.append(EvalText(i, text, base.topic, base.sentiment, list(base.departments),
                                    base.created_at + timedelta(hours=rng.randrange(1, 72)), base.place,
                                    dup_group=group, resolved=base.resolved, reopened=base.reopened))
                continue
        key = rng.choice(keys)
        kind = rng.random()
        topic = TOPICS[key]
        dept, subjects, problems = rng.choice(topic["subs"])
        place = rng.choice(TOWNS) + rng.choice(COMMUNITIES)
        fill = {"dept": dept, "place": place, "subject": rng.choice(subjects), "problem": rng.choice(problems),
                "demand": rng.choice(DEMANDS)}
        if kind < 0.04:
            text, sentiment = _pick(rng, BUT_STILL, split).format(**fill), "neg"
        elif kind < 0.07:
            text, sentiment = _pick(rng, PRAISE, split).format(**fill), "pos"
        elif kind < 0.10:
            text, sentiment = _pick(rng, ASK_PROBLEM, split).format(**fill), "neu"
        elif kind < 0.20:  # a thank-you note
            topic = TOPICS[key]
            dept, subjects, _problems = rng.choice(topic["subs"])
            place = rng.choice(TOWNS) + rng.choice(COMMUNITIES)
            text = _pick(rng, THANKS, split).format(dept=dept, place=place, subject=rng.choice(subjects))
            sentiment = "pos"
        elif kind < 0.30:  # a question
            topic = TOPICS[key]
            dept, subjects, _problems = rng.choice(topic["subs"])
            place = rng.choice(TOWNS) + rng.choice(COMMUNITIES)
            text = _pick(rng, QUESTIONS, split).format(place=place, subject=rng.choice(subjects))
            sentiment = "neu"
        else:
            text, dept, place = _complaint(rng, key, split)
            sentiment = "neg"
        mixed = False
        if sentiment == "neg" and rng.random() < mixed_share:
            other = rng.choice([k for k in keys if k != key])
            extra, _d, _p = _complaint(rng, other)
            text = text + "另外，" + extra.split("，")[0].split("。")[0].lstrip("您你好领导尊敬的：！书记") + "。"
            mixed = True
        if rng.random() < typo_share:
            text = _typo(rng, text)
        if rng.random() < town_share:  # the town government took it over: not in the words
            dept = place[:3] + "人民政府"
        departments = [dept]
        if rng.random() < reroute_share:
            wrong = rng.choice([d for d in ALL_DEPARTMENTS if d != dept])
            departments = [wrong, dept]
        resolved = rng.random() < (0.45 if key in GROWING else 0.7)
        out.append(EvalText(i, text, key, sentiment, departments, _time(rng, key), place, mixed=mixed,
                            resolved=resolved, reopened=resolved and rng.random() < 0.1))
    return out
