"""Reference data of the demo province: agencies, service fields, services, points.

The demo is Đắk Lắk as it is since 1 July 2025, and as it was before:

- Before (the campaign of 2024): Đắk Lắk's 19 departments and the district-level
  people's committees of the two provinces that merged (Đắk Lắk's 15, Phú Yên's 9).
- Since: 13 departments after the mergers of March 2025 (real: Finance took Planning
  and Investment, Agriculture and Environment joined, Construction took Transport,
  Science and Technology took Information and Communications, Home Affairs and Health
  shared Labour, Invalids and Social Affairs, the Ethnic Minorities Committee became the
  Department of Ethnic and Religious Affairs; the shares of the splits, and Foreign
  Affairs going to Home Affairs, are illustrative), and 102 commune-level units: 14
  wards under their real names and 88 communes whose names are illustrative and say
  so ("minh họa"), each placed in the former district it mostly came from.

Procedure codes and counts are invented for the demo and say so in their names.
"""

from __future__ import annotations

# code: (name_vi, name_en)
SERVICE_FIELDS = {
    "DD": ("Đất đai", "Land"),
    "XD": ("Xây dựng", "Construction"),
    "HT": ("Hộ tịch", "Civil status"),
    "DKKD": ("Đăng ký kinh doanh", "Business registration"),
    "DT": ("Đầu tư", "Investment"),
    "GT": ("Giao thông vận tải", "Transport"),
    "LD": ("Lao động, việc làm", "Labour and employment"),
    "BTXH": ("Bảo trợ xã hội", "Social protection"),
    "YT": ("Y tế", "Health"),
    "GD": ("Giáo dục và đào tạo", "Education and training"),
    "VH": ("Văn hóa, thể thao và du lịch", "Culture, sports and tourism"),
    "TP": ("Tư pháp", "Justice"),
    "CT": ("Công thương", "Industry and trade"),
    "NN": ("Nông nghiệp", "Agriculture"),
    "MT": ("Môi trường", "Environment"),
    "TC": ("Tài chính", "Finance"),
    "NV": ("Nội vụ", "Home affairs"),
    "TTTT": ("Thông tin và truyền thông", "Information and communications"),
    "KHCN": ("Khoa học và công nghệ", "Science and technology"),
    "DTOC": ("Công tác dân tộc", "Ethnic affairs"),
    "NGV": ("Ngoại vụ", "Foreign affairs"),
    "KNTC": ("Khiếu nại, tố cáo", "Complaints and denunciations"),
}

# Two typical procedures per field: (name_vi, name_en).
PROCEDURES = {
    "DD": [
        (
            "Đăng ký, cấp Giấy chứng nhận quyền sử dụng đất lần đầu",
            "First registration and land-use right certificate",
        ),
        ("Đăng ký biến động quyền sử dụng đất", "Registration of a change in land-use rights"),
    ],
    "XD": [
        ("Cấp giấy phép xây dựng nhà ở riêng lẻ", "Building permit for a detached house"),
        ("Thẩm định thiết kế xây dựng", "Appraisal of a construction design"),
    ],
    "HT": [
        ("Đăng ký khai sinh", "Birth registration"),
        ("Đăng ký kết hôn", "Marriage registration"),
    ],
    "DKKD": [
        ("Đăng ký thành lập doanh nghiệp", "Registration of a new enterprise"),
        ("Đăng ký hộ kinh doanh", "Registration of a household business"),
    ],
    "DT": [
        ("Chấp thuận chủ trương đầu tư", "Approval of an investment policy"),
        ("Điều chỉnh dự án đầu tư", "Amendment of an investment project"),
    ],
    "GT": [
        ("Đổi giấy phép lái xe", "Renewal of a driving licence"),
        ("Cấp phép vận tải hành khách", "Passenger transport licence"),
    ],
    "LD": [
        ("Cấp giấy phép lao động cho người nước ngoài", "Work permit for a foreign worker"),
        ("Giải quyết trợ cấp thất nghiệp", "Unemployment benefit"),
    ],
    "BTXH": [
        ("Trợ cấp xã hội hằng tháng", "Monthly social allowance"),
        ("Xác nhận người có công", "Recognition of a person with meritorious services"),
    ],
    "YT": [
        ("Cấp chứng chỉ hành nghề khám bệnh, chữa bệnh", "Medical practising certificate"),
        ("Cấp giấy phép hoạt động nhà thuốc", "Pharmacy licence"),
    ],
    "GD": [
        ("Cấp bản sao văn bằng, chứng chỉ", "Copy of a diploma or certificate"),
        ("Cho phép trung tâm ngoại ngữ hoạt động", "Licence for a language centre"),
    ],
    "VH": [
        ("Cấp giấy phép kinh doanh karaoke", "Karaoke business licence"),
        ("Công nhận hạng cơ sở lưu trú du lịch", "Rating of a tourist accommodation"),
    ],
    "TP": [
        ("Cấp Phiếu lý lịch tư pháp", "Judicial record certificate"),
        ("Chứng thực bản sao từ bản chính", "Certified copy of an original"),
    ],
    "CT": [
        ("Cấp giấy phép bán lẻ rượu", "Alcohol retail licence"),
        ("Cấp giấy chứng nhận đủ điều kiện kinh doanh xăng dầu", "Fuel retail certificate"),
    ],
    "NN": [
        ("Cấp giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm", "Food safety certificate"),
        ("Cấp phép khai thác thủy sản", "Fishing licence"),
    ],
    "MT": [
        ("Cấp giấy phép môi trường", "Environmental permit"),
        ("Cấp giấy phép khai thác nước dưới đất", "Groundwater extraction permit"),
    ],
    "TC": [
        ("Đăng ký mã số đơn vị có quan hệ với ngân sách", "Budget relation code"),
        ("Thẩm tra quyết toán dự án hoàn thành", "Audit of a completed project's accounts"),
    ],
    "NV": [
        ("Thành lập hội", "Establishment of an association"),
        (
            "Công nhận ban vận động thành lập hội",
            "Recognition of an association's founding committee",
        ),
    ],
    "TTTT": [
        ("Cấp giấy phép xuất bản bản tin", "Newsletter publishing licence"),
        ("Cấp giấy phép hoạt động in", "Printing licence"),
    ],
    "KHCN": [
        ("Đăng ký kết quả nhiệm vụ khoa học và công nghệ", "Registration of research results"),
        ("Cấp giấy phép tiến hành công việc bức xạ", "Radiation work licence"),
    ],
    "DTOC": [
        (
            "Công nhận người có uy tín trong đồng bào dân tộc thiểu số",
            "Recognition of a respected ethnic-minority elder",
        ),
        (
            "Hỗ trợ đất sản xuất cho hộ dân tộc thiểu số",
            "Farmland support for ethnic-minority households",
        ),
    ],
    "NGV": [
        ("Cho phép tổ chức hội nghị quốc tế", "Permission for an international conference"),
        ("Xác nhận hồ sơ đi nước ngoài", "Certification of an official travel dossier"),
    ],
    "KNTC": [
        ("Giải quyết khiếu nại lần đầu", "First-instance complaint"),
        ("Tiếp nhận, xử lý đơn tố cáo", "Handling of a denunciation"),
    ],
}

# code: (name_vi, name_en, fields)
DEPARTMENTS = {
    "SNV": ("Sở Nội vụ", "Department of Home Affairs", ["NV"]),
    "STP": ("Sở Tư pháp", "Department of Justice", ["TP", "HT"]),
    "SKHDT": ("Sở Kế hoạch và Đầu tư", "Department of Planning and Investment", ["DKKD", "DT"]),
    "STC": ("Sở Tài chính", "Department of Finance", ["TC"]),
    "SCT": ("Sở Công Thương", "Department of Industry and Trade", ["CT"]),
    "SNNPTNT": (
        "Sở Nông nghiệp và Phát triển nông thôn",
        "Department of Agriculture and Rural Development",
        ["NN"],
    ),
    "SGTVT": ("Sở Giao thông vận tải", "Department of Transport", ["GT"]),
    "SXD": ("Sở Xây dựng", "Department of Construction", ["XD"]),
    "STNMT": (
        "Sở Tài nguyên và Môi trường",
        "Department of Natural Resources and Environment",
        ["DD", "MT"],
    ),
    "STTTT": (
        "Sở Thông tin và Truyền thông",
        "Department of Information and Communications",
        ["TTTT"],
    ),
    "SLDTBXH": (
        "Sở Lao động - Thương binh và Xã hội",
        "Department of Labour, Invalids and Social Affairs",
        ["LD", "BTXH"],
    ),
    "SVHTTDL": (
        "Sở Văn hóa, Thể thao và Du lịch",
        "Department of Culture, Sports and Tourism",
        ["VH"],
    ),
    "SKHCN": ("Sở Khoa học và Công nghệ", "Department of Science and Technology", ["KHCN"]),
    "SGDDT": ("Sở Giáo dục và Đào tạo", "Department of Education and Training", ["GD"]),
    "SYT": ("Sở Y tế", "Department of Health", ["YT"]),
    "SNGV": ("Sở Ngoại vụ", "Department of Foreign Affairs", ["NGV"]),
    "BDT": ("Ban Dân tộc", "Ethnic Minorities Committee", ["DTOC"]),
    "BQLKCN": ("Ban Quản lý các khu công nghiệp", "Industrial Zones Authority", ["DT", "XD"]),
    "TTR": ("Thanh tra tỉnh", "Provincial Inspectorate", ["KNTC"]),
}

DISTRICT_FIELDS = ["DD", "XD", "HT", "DKKD", "LD", "BTXH"]

# code: (kind of unit in Vietnamese, in English, proper name)
DISTRICTS = {
    "BMT": ("thành phố", "city", "Buôn Ma Thuột"),
    "BUONHO": ("thị xã", "town", "Buôn Hồ"),
    "EAHLEO": ("huyện", "district", "Ea H'leo"),
    "EASUP": ("huyện", "district", "Ea Súp"),
    "BUONDON": ("huyện", "district", "Buôn Đôn"),
    "CUMGAR": ("huyện", "district", "Cư M'gar"),
    "KRONGBUK": ("huyện", "district", "Krông Búk"),
    "KRONGNANG": ("huyện", "district", "Krông Năng"),
    "EAKAR": ("huyện", "district", "Ea Kar"),
    "MDRAK": ("huyện", "district", "M'Đrắk"),
    "KRONGBONG": ("huyện", "district", "Krông Bông"),
    "KRONGPAK": ("huyện", "district", "Krông Pắk"),
    "KRONGANA": ("huyện", "district", "Krông A Na"),
    "LAK": ("huyện", "district", "Lắk"),
    "CUKUIN": ("huyện", "district", "Cư Kuin"),
}

# Service points: departments receive dossiers at the provincial public administration
# service centre and at their own office; districts at counters of their one-stop shop.
DEPARTMENT_POINTS = [
    ("Quầy tại Trung tâm Phục vụ hành chính công tỉnh", "Counter at the provincial service centre"),
    ("Bộ phận một cửa tại trụ sở", "One-stop shop at the department's office"),
]
DISTRICT_POINTS = [
    ("Bộ phận một cửa - quầy đất đai, xây dựng", "One-stop shop - land and construction counter"),
    ("Bộ phận một cửa - quầy hộ tịch, tư pháp", "One-stop shop - civil status counter"),
    ("Bộ phận một cửa - quầy tổng hợp", "One-stop shop - general counter"),
]


# Phú Yên's district-level units, merged into Đắk Lắk on 1 July 2025 (names real).
PHU_YEN_DISTRICTS = {
    "TUYHOA": ("thành phố", "city", "Tuy Hòa"),
    "SONGCAU": ("thị xã", "town", "Sông Cầu"),
    "DONGHOA": ("thị xã", "town", "Đông Hòa"),
    "TUYAN": ("huyện", "district", "Tuy An"),
    "PHUHOA": ("huyện", "district", "Phú Hòa"),
    "TAYHOA": ("huyện", "district", "Tây Hòa"),
    "SONHOA": ("huyện", "district", "Sơn Hòa"),
    "SONGHINH": ("huyện", "district", "Sông Hinh"),
    "DONGXUAN": ("huyện", "district", "Đồng Xuân"),
}
FORMER_DISTRICTS = {**DISTRICTS, **PHU_YEN_DISTRICTS}

# The departments since March 2025: code: (name_vi, name_en, fields, predecessors as
# (code, kind, share)). A department that kept its code continues itself and lists only
# what it absorbed.
DEPARTMENTS_2025 = {
    "SNV": (
        "Sở Nội vụ",
        "Department of Home Affairs",
        ["NV", "LD"],
        [("SLDTBXH", "split", 0.6), ("SNGV", "merge", 1.0)],
    ),
    "STP": ("Sở Tư pháp", "Department of Justice", ["TP", "HT"], []),
    "STC": (
        "Sở Tài chính",
        "Department of Finance",
        ["TC", "DKKD", "DT"],
        [("SKHDT", "merge", 1.0)],
    ),
    "SCT": ("Sở Công Thương", "Department of Industry and Trade", ["CT"], []),
    "SNNMT": (
        "Sở Nông nghiệp và Môi trường",
        "Department of Agriculture and Environment",
        ["NN", "DD", "MT"],
        [("SNNPTNT", "merge", 1.0), ("STNMT", "merge", 1.0)],
    ),
    "SXD": ("Sở Xây dựng", "Department of Construction", ["XD", "GT"], [("SGTVT", "merge", 1.0)]),
    "SKHCN": (
        "Sở Khoa học và Công nghệ",
        "Department of Science and Technology",
        ["KHCN", "TTTT"],
        [("STTTT", "split", 0.85)],
    ),
    "SVHTTDL": (
        "Sở Văn hóa, Thể thao và Du lịch",
        "Department of Culture, Sports and Tourism",
        ["VH"],
        [("STTTT", "split", 0.15)],
    ),
    "SGDDT": ("Sở Giáo dục và Đào tạo", "Department of Education and Training", ["GD"], []),
    "SYT": ("Sở Y tế", "Department of Health", ["YT", "BTXH"], [("SLDTBXH", "split", 0.4)]),
    "SDTTG": (
        "Sở Dân tộc và Tôn giáo",
        "Department of Ethnic and Religious Affairs",
        ["DTOC"],
        [("BDT", "merge", 1.0), ("SNV", "split", 0.05)],
    ),
    "BQLKCN": ("Ban Quản lý các khu công nghiệp", "Industrial Zones Authority", ["DT", "XD"], []),
    "TTR": ("Thanh tra tỉnh", "Provincial Inspectorate", ["KNTC"], []),
}
DEPARTMENTS_MERGED_ON = (2025, 3, 1)
COMMUNES_FORMED_ON = (2025, 7, 1)

# The 14 wards, by the former town or city they came from (names real).
WARDS = {
    "BMT": ["Buôn Ma Thuột", "Tân An", "Tân Lập", "Thành Nhất", "Ea Kao"],
    "BUONHO": ["Buôn Hồ", "Cư Bao"],
    "TUYHOA": ["Tuy Hòa", "Phú Yên", "Bình Kiến"],
    "SONGCAU": ["Xuân Đài", "Sông Cầu"],
    "DONGHOA": ["Hòa Hiệp", "Đông Hòa"],
}
# How many of the 88 communes each former district mostly became (illustrative).
COMMUNES_FROM = {
    "BMT": 3, "BUONHO": 1, "EAHLEO": 5, "EASUP": 5, "BUONDON": 3, "CUMGAR": 5,
    "KRONGBUK": 3, "KRONGNANG": 5, "EAKAR": 6, "MDRAK": 4, "KRONGBONG": 5, "KRONGPAK": 6,
    "KRONGANA": 3, "LAK": 4, "CUKUIN": 3, "TUYHOA": 2, "SONGCAU": 2, "DONGHOA": 2,
    "TUYAN": 4, "PHUHOA": 3, "TAYHOA": 4, "SONHOA": 4, "SONGHINH": 3, "DONGXUAN": 3,
}  # fmt: skip
COMMUNE_FIELDS = ["DD", "XD", "HT", "DKKD", "LD", "BTXH"]
# Each commune-level unit receives dossiers at its public administration service centre.
COMMUNE_POINTS = [
    ("Trung tâm Phục vụ hành chính công", "Public administration service centre"),
]


def _slug(name: str) -> str:
    """An agency code from a Vietnamese name: capitals and digits only, so paper serials
    can carry it (BUÔN MA THUỘT -> BUONMATHUOT)."""
    import unicodedata

    plain = unicodedata.normalize("NFD", name.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in plain.upper() if c.isascii() and c.isalnum())


def commune_units() -> list[tuple[str, str, str, str, str]]:
    """The 102 commune-level units: (code, name_vi, name_en, kind, former district)."""
    units = []
    for district, names in WARDS.items():
        for name in names:
            units.append(
                (
                    f"P{_slug(name)}",
                    f"UBND phường {name}",
                    f"{name} ward people's committee",
                    "ward",
                    district,
                )
            )
    for district, count in COMMUNES_FROM.items():
        proper = FORMER_DISTRICTS[district][2]
        for number in range(1, count + 1):
            units.append(
                (
                    f"X{_slug(proper)}{number}",
                    f"UBND xã {proper} {number} (tên minh họa)",
                    f"{proper} {number} commune people's committee (illustrative name)",
                    "commune",
                    district,
                )
            )
    return units


# Share of an agency's dossiers filed by organisations (businesses, cooperatives,
# associations), by what it serves: Industry and Trade, Finance (which took over planning
# and investment: business registration) and the industrial-zone board serve mostly
# organisations, communes mostly citizens. Illustrative, not published figures.
ORGANISATION_SHARES = {
    "SCT": 0.7,
    "STC": 0.6,
    "BQLKCN": 0.85,
    "SXD": 0.3,
    "SKHCN": 0.35,
    "SNNMT": 0.2,
    "SVHTTDL": 0.2,
    "SYT": 0.15,
}
KIND_ORGANISATION_SHARES = {"department": 0.12, "district": 0.05, "ward": 0.03, "commune": 0.01}
