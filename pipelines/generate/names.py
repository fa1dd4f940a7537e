"""Pools of invented names. Nothing here names a real company, brand, provider or person."""

from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST_NAMES = _words(
    "Alex Amira Ana Anders Aiko Ben Bianca Carlos Chloe Daniel Dara Elena Emil Farah Felix "
    "Grace Hana Hugo Ines Ivan Jonas Julia Kai Karin Leo Lina Lucas Maya Mateo Mei Nadia Noah "
    "Olga Omar Priya Rafael Rina Sami Sara Sofia Tariq Tomas Una Vera Viktor Yara Yusuf Zoe"
)
LAST_NAMES = _words(
    "Abbott Alvarez Bauer Becker Costa Dubois Eriksen Fischer Garcia Haddad Hansen Ito Jensen "
    "Kaplan Keller Kowalski Larsen Lopez Moreau Muller Nakamura Novak Okafor Olsen Patel Petrov "
    "Quinn Rossi Santos Schmidt Silva Sato Tanaka Torres Varga Weber Wright Yilmaz Young "
    "Zielinski"
)

# (pinyin, characters)
CN_SURNAMES = (
    ("Wang", "王"), ("Li", "李"), ("Zhang", "张"), ("Liu", "刘"), ("Chen", "陈"), ("Yang", "杨"),
    ("Zhao", "赵"), ("Huang", "黄"), ("Zhou", "周"), ("Wu", "吴"), ("Xu", "徐"), ("Sun", "孙"),
    ("Ma", "马"), ("Zhu", "朱"), ("Hu", "胡"), ("Guo", "郭"), ("He", "何"), ("Lin", "林"),
)
CN_GIVEN = (
    ("Wei", "伟"), ("Fang", "芳"), ("Na", "娜"), ("Min", "敏"), ("Jing", "静"), ("Lei", "磊"),
    ("Jun", "军"), ("Yang", "洋"), ("Yong", "勇"), ("Jie", "杰"), ("Tao", "涛"), ("Ming", "明"),
    ("Chao", "超"), ("Hui", "慧"), ("Hao", "浩"), ("Xin", "欣"), ("Ting", "婷"), ("Peng", "鹏"),
)
CN_BRAND = (
    ("qing", "青"), ("lan", "蓝"), ("hai", "海"), ("yun", "云"), ("tian", "天"), ("rui", "瑞"),
    ("zhi", "智"), ("heng", "恒"), ("chen", "辰"), ("jia", "嘉"), ("kai", "凯"), ("sheng", "晟"),
    ("hong", "鸿"), ("xing", "星"), ("yao", "耀"), ("ding", "鼎"), ("xuan", "轩"), ("mo", "墨"),
    ("shu", "数"), ("jing", "景"), ("yuan", "远"), ("ze", "泽"), ("ning", "宁"), ("kun", "坤"),
)
CN_CITIES = (
    ("Hangzhou", "杭州"), ("Shenzhen", "深圳"), ("Chengdu", "成都"), ("Wuhan", "武汉"),
    ("Nanjing", "南京"), ("Suzhou", "苏州"), ("Xiamen", "厦门"), ("Hefei", "合肥"),
)
# (English long form, short form, characters)
CN_INDUSTRY = (
    ("Technology", "Tech", "科技"), ("Information Technology", "InfoTech", "信息技术"),
    ("Data Technology", "Data", "数据科技"), ("Network Technology", "Network", "网络科技"),
    ("Intelligent Technology", "AI", "智能科技"),
)
# (Latin, Cyrillic)
RU_WORDS = (
    ("Sever", "Север"), ("Vektor", "Вектор"), ("Orbita", "Орбита"), ("Kvant", "Квант"),
    ("Granit", "Гранит"), ("Almaz", "Алмаз"), ("Zenit", "Зенит"), ("Volna", "Волна"),
    ("Tayga", "Тайга"), ("Luch", "Луч"), ("Grad", "Град"), ("Bereg", "Берег"),
)
RU_INDUSTRY = (("Soft", "Софт"), ("Tekh", "Тех"), ("Data", "Дата"), ("Lab", "Лаб"))

WEST_PREFIX = _words(
    "North Lark Ember Quill Silver Harbor Maple Cedar Tandem Vesper Orchid Brook Falcon Juniper "
    "Quartz Saffron Tidal Willow Copper Heron Marrow Pebble Rowan Sorrel Thistle Umber Wren "
    "Alder Bramble Cinder Drift Fennel Gossam Hollin Indigo Jasper Kestle Lumen Mossy Nettle "
    "Osprey"
)
WEST_SUFFIX = _words(
    "mere field wick stone gate bridge vale ridge haven crest loop forge line works leaf point "
    "brook moor shaw ford hollow"
)
WEST_KIND = ("Labs", "Systems", "Analytics", "Software", "Robotics", "Health", "Logistics",
             "Studio", "Bio", "Energy", "Media", "Finance")

# (domain, ignores dots in the local part)
PUBLIC_MAIL = (
    ("quillpost-mail.com", True), ("larkinbox.net", False), ("mailorbit.org", False),
    ("postvale-mail.eu", False),
)
REGISTRARS = (
    "Bramblegate Registrar Ltd.", "NameHarbor Registry Services Inc.", "DotVesper Names LLC",
    "Tiankuo Domain Registrar Co., Ltd.",
)
PRIVACY_ORG = "WhoisVeil Privacy Service"
PRIVACY_EMAIL = "contact@whoisveil-privacy.net"
LEGIT_TLDS = ("com", "net", "io", "co.uk", "de", "org", "com.au", "fr")
CAMPAIGN_TLDS = ("com", "net", "top", "xyz", "cn", "com.cn", "cc", "site")

COMMON_UAS = (
    "python-httpx/0.27.0", "python-httpx/0.28.1", "python-requests/2.32.3", "aiohttp/3.9.5",
    "node-fetch/3.3.2", "axios/1.7.2", "curl/8.5.0", "Go-http-client/2.0", "okhttp/4.12.0",
    "modelhub-sdk-python/1.42.0", "modelhub-sdk-node/4.3.1", "modelhub-sdk-python/1.39.2",
)
CUSTOM_UA_TEMPLATES = (
    "{b}-batch-runner/0.{v}.1", "{b}-harvest/2.{v}.0 (linux; x86_64)", "tracegen/1.{v}.4",
    "{b}sampler/0.{v}", "{b}-dist-worker/{v}.0.3",
)

MODELS = (  # (name, release date)
    ("atlas-small-2026-02", "2026-02-10"),
    ("atlas-large-2026-03", "2026-03-05"),
    ("atlas-large-2026-04", "2026-04-28"),
    ("atlas-reason-2026-05", "2026-05-14"),
    ("atlas-small-2026-05", "2026-05-29"),
)
CATEGORIES = (
    "general_chat", "coding", "cot_elicitation", "reasoning_trace", "tool_use", "agentic",
    "translation", "summarisation", "evaluation", "data_extraction", "other",
)
STREETS = ("Harbour Street", "Lakeside Avenue", "Canal Road", "Market Lane", "Station Road",
           "Orchard Way", "Mill Street", "Quay Road", "Garden Crescent", "Bridge Street")
CN_ROADS = (("Wensan Road", "文三路"), ("Keji Road", "科技路"), ("Binjiang Avenue", "滨江大道"),
            ("Xinghuo Road", "星火路"), ("Gaoxin 2nd Road", "高新二路"))
