"""The demo county: 青溪县, a fictional county seat in Zhejiang (GB/T 2260-style code 330790,
which no real county uses). Names of bureaus, categories and routing splits follow the seeds."""

COUNTY_CODE = "330790"
COUNTY_NAME = "青溪县"
# Centre of the county seat (WGS-84), in the hills of central Zhejiang.
CENTRE_LAT, CENTRE_LON = 28.9050, 120.0300
DEMO_PASSWORD = "demo1234"

# (code, name, English, kind)
BUREAUS = [
    ("zhzf", "综合执法局", "Comprehensive Law Enforcement Bureau", "department"),
    ("zjj", "住建局", "Housing and Construction Bureau", "department"),
    ("sjj", "市监局", "Market Supervision Bureau", "department"),
    ("jyj", "教育局", "Education Bureau", "department"),
    ("jjdd", "交警大队", "Traffic Police Brigade", "department"),
    ("wjj", "卫健局", "Health Bureau", "department"),
    ("wlj", "文旅局", "Culture and Tourism Bureau", "department"),
    ("gtjt", "国投集团", "County Investment Group", "enterprise"),
    ("sgb", "社工部", "Social Work Department", "department"),
    ("gaj", "公安局", "Public Security Bureau", "department"),
    ("szyl", "市政园林局", "Municipal Parks Bureau", "department"),
    ("awb", "爱卫办", "Patriotic Health Campaign Office", "office"),
    ("mzj", "民政局", "Civil Affairs Bureau", "department"),
    ("wmb", "文明办", "Civilization Office", "office"),
    ("jd001", "城中街道", "Chengzhong Subdistrict", "street"),
    ("jd002", "城西街道", "Chengxi Subdistrict", "street"),
    ("jd003", "城东街道", "Chengdong Subdistrict", "street"),
]

# The 34 grid responsibility units (网格责任单位), one per cell, answering for sanitation and clutter.
UNITS = [
    ("fgj", "发改局"), ("czj", "财政局"), ("rsj", "人社局"), ("zrzyj", "自然资源局"), ("sthj", "生态环境分局"),
    ("nyncj", "农业农村局"), ("slj", "水利局"), ("swj", "商务局"), ("tjj", "统计局"), ("sjjg", "审计局"),
    ("sfj", "司法局"), ("ybj", "医保局"), ("tyjr", "退役军人事务局"), ("yjglj", "应急管理局"), ("kjj", "科技局"),
    ("jxj", "经信局"), ("mzj", None), ("wlj", None), ("wjj", None), ("jyj", None), ("swju", "税务局"),
    ("gdgs", "供电公司"), ("dxgs", "电信公司"), ("rmyh", "人民银行"), ("zgh", "总工会"), ("tx", "团县委"),
    ("fl", "妇联"), ("cl", "残联"), ("xwb", "县委办"), ("zfb", "政府办"), ("zzb", "组织部"), ("xcb", "宣传部"),
    ("tzb", "统战部"), ("zfw", "政法委"),
]  # None: a bureau above that is also a grid unit

STREETS = [("001", "城中街道", "jd001"), ("002", "城西街道", "jd002"), ("003", "城东街道", "jd003")]
# Three communities per street, in order from north to south.
COMMUNITIES = {
    "001": ["县前社区", "解放社区", "南门社区"],
    "002": ["西山社区", "溪口社区", "凤凰社区"],
    "003": ["东湖社区", "新城社区", "工业园社区"],
}

POINT_TYPES = [
    ("main_road", "主次干道", "main or secondary road"), ("back_lane", "背街小巷", "back lane"),
    ("commercial_street", "商业大街", "commercial street"), ("intersection", "交通路口", "road intersection"),
    ("night_market", "夜市", "night market"), ("farmers_market", "农贸市场", "farmers' market"),
    ("park_square", "公园/广场", "park or square"), ("cultural_venue", "文化场馆", "cultural venue"),
    ("scenic_area", "景区", "scenic area"), ("hospital", "医院", "hospital"),
    ("school_area", "中小学校周边", "around a school"), ("station", "车站", "station"),
    ("bus_stop", "公交站点", "bus stop"), ("old_estate", "老旧小区", "old residential estate"),
    ("urban_village", "城中村/城乡结合部", "urban village / urban fringe"),
    ("construction_site", "建筑工地", "construction site"), ("public_toilet", "室外公厕", "public toilet"),
    ("service_window", "窗口单位", "public service window"), ("internet_cafe", "网吧", "internet café"),
]

# The inspector's list starts with the county's common problems (parking, stalls, garbage, piled goods…); the
# rest follow by code.
COMMON_CATEGORIES = ["0506", "0505", "0502", "0501", "0504", "0102", "0508", "0507", "0201", "0104", "0108", "0509",
                     "0510", "0103", "0601", "0606", "0401", "0402", "0403", "0202", "0511"]

# 随手拍: the problems a resident sees and can name, by the names residents use (code, 中文, English).
PUBLIC_CATEGORIES = [
    ("0506", "人行道乱停车", "Cars parked on the sidewalk"), ("0102", "暴露垃圾", "Garbage left out"),
    ("0502", "占道经营", "Stalls on the street"), ("0201", "小广告", "Flyers and stickers"),
    ("0508", "乱堆乱放", "Things piled up"), ("0401", "道路破损", "Broken road or pavement"),
    ("0402", "井盖缺失破损", "Missing or broken manhole cover"), ("0403", "路灯等设施损坏", "Broken street light or facility"),
]

# (code, 中文, English, family, pinyin initials, default bureau or None = cell unit, value, unit)
CATEGORIES = [
    ("0102", "暴露垃圾", "exposed garbage", "市容环境", "blj", "zjj", 4, "wh"),
    ("0103", "积存垃圾渣土", "accumulated debris", "市容环境", "jcljzt", "zjj", 1, "wd"),
    ("0104", "道路不洁", "dirty road", "市容环境", "dlbj", "zjj", 4, "wh"),
    ("0108", "卫生死角", "sanitation blind spot", "市容环境", "wssj", None, 1, "wd"),
    ("0201", "非法小广告", "wild ads / stickers", "宣传广告", "ffxgg", "gaj", 4, "wh"),
    ("0202", "门头牌匾破损/违规", "damaged or illegal shop signs", "宣传广告", "mtpb", "zhzf", 3, "wd"),
    ("0203", "公益广告缺失破损", "missing/damaged public-service ads", "宣传广告", "gygg", "wmb", 3, "wd"),
    ("0301", "施工围挡破损/扬尘", "construction hoarding/dust", "施工管理", "sgwd", "zjj", 1, "wd"),
    ("0401", "道路破损/坑洼", "broken road or pavement", "公用设施", "dlps", "zjj", 3, "wd"),
    ("0402", "井盖缺失破损", "missing/broken manhole cover", "公用设施", "jgqs", "zjj", 2, "wh"),
    ("0403", "路灯/公共设施损坏", "broken street light / facility", "公用设施", "ldss", "zjj", 3, "wd"),
    ("0501", "流动摊贩", "mobile street vendor", "街面秩序", "ldtf", "zhzf", 2, "wh"),
    ("0502", "占道经营", "stall encroaching on road", "街面秩序", "zdjy", "zhzf", 2, "wh"),
    ("0504", "店外经营/出店经营", "trading outside the shop", "街面秩序", "dwjy", "zhzf", 2, "wh"),
    ("0505", "机动车乱停放 (道路)", "illegal car parking on the road", "街面秩序", "jdclt", "jjdd", 2, "wh"),
    ("0506", "人行道乱停车", "parking on the sidewalk", "街面秩序", "rxdltc", "zhzf", 2, "wh"),
    ("0507", "非机动车乱停放", "disorderly bikes/e-bikes", "街面秩序", "fjdclt", None, 4, "wh"),
    ("0508", "乱堆物堆料", "piled goods/materials", "街面秩序", "ldwdl", None, 1, "wd"),
    ("0509", "乱拉乱挂/飞线充电", "hanging wires / flying-lead charging", "街面秩序", "lllg", None, 1, "wd"),
    ("0510", "露天烧烤", "open-air barbecue", "街面秩序", "ltsk", "zhzf", 2, "wh"),
    ("0511", "僵尸车", "abandoned vehicle", "街面秩序", "jsc", "jjdd", 3, "wd"),
    ("0601", "农贸市场秩序/卫生", "farmers' market order/sanitation", "公共服务", "nmsc", "sjj", 1, "wd"),
    ("0602", "五小行业卫生", "small food shops/salons hygiene", "公共服务", "wxhy", "wjj", 1, "wd"),
    ("0603", "公共场所吸烟", "smoking in hospital/public venue", "公共服务", "ggcsxy", "wjj", 1, "wd"),
    ("0604", "校园周边秩序", "order around schools", "公共服务", "xyzb", "jyj", 1, "wd"),
    ("0605", "景区/文化场馆不文明", "scenic/cultural venue issues", "公共服务", "jqwh", "wlj", 1, "wd"),
    ("0606", "公厕脏污/异味", "dirty public toilet", "市容环境设施", "gczw", "zjj", 4, "wh"),
    ("0701", "交通违法 (闯红灯等)", "traffic violations", "交通设施", "jtwf", "jjdd", 1, "wd"),
    ("0801", "文明养犬", "uncivil dog keeping", "公共服务", "wmyq", "gaj", 1, "wd"),
]

# Ordered routing rules reproducing the seeds' splits. target "cell_unit" = the cell's unit.
ROUTING_RULES = [
    {"name": "道路违停、僵尸车", "category_codes": ["0505", "0511"], "bureau_code": "jjdd",
     "note": "交警大队严查违停（见县创城推进会讲话）"},
    {"name": "人行道乱停车", "category_codes": ["0506"], "bureau_code": "zhzf",
     "note": "综合执法局牵头人行道乱停车"},
    {"name": "农贸市场早市占道", "category_codes": ["0501", "0502", "0504"],
     "point_type_codes": ["farmers_market"], "time_from": "05:00", "time_to": "09:00", "bureau_code": "sjj",
     "note": "早市时段市场内秩序由市监局负责"},
    {"name": "占道经营、流动摊贩、露天烧烤", "category_codes": ["0501", "0502", "0504", "0510"],
     "bureau_code": "zhzf", "note": "综合执法局牵头主次干道、商业大街的占道经营、流动摊贩"},
    {"name": "主干道、商业街、路口环卫", "category_codes": ["0102", "0103", "0104"],
     "point_type_codes": ["main_road", "commercial_street", "intersection"], "bureau_code": "zjj",
     "note": "住建局按职责负责所属点位环境卫生"},
    {"name": "车站、公交站点环卫", "category_codes": ["0102", "0104", "0108"],
     "point_type_codes": ["station", "bus_stop"], "bureau_code": "gtjt", "note": "国投集团所属点位"},
    {"name": "网格内环境卫生、乱堆放",
     "category_codes": ["0102", "0103", "0104", "0108", "0507", "0508"], "target_kind": "cell_unit",
     "note": "34个网格责任单位包干网格内环境卫生、乱堆放"},
    {"name": "城中街道乱拉乱挂", "category_codes": ["0509"], "cell_prefixes": ["330790001"],
     "bureau_code": "jd001"},
    {"name": "城西街道乱拉乱挂", "category_codes": ["0509"], "cell_prefixes": ["330790002"],
     "bureau_code": "jd002"},
    {"name": "城东街道乱拉乱挂", "category_codes": ["0509"], "cell_prefixes": ["330790003"],
     "bureau_code": "jd003"},
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
GIVEN = ["建国", "丽华", "志强", "晓燕", "伟", "芳", "敏", "静", "磊", "洋", "勇", "艳", "杰", "娟", "涛",
         "明", "超", "秀英", "华", "平", "刚", "桂英", "军", "霞", "鹏", "婷", "斌", "红", "飞", "琳",
         "海燕", "文", "雪", "宁"]
