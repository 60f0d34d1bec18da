"""Name and word tables: first and family names per name set, words for handles and domains.

Name sets hold male first names | female first names | family names; non-Latin names are
``Latin/Native`` pairs. Word lists are whitespace-separated text parsed by :func:`words`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final


def words(text: str) -> tuple[str, ...]:
    """Split a whitespace-separated word list."""
    return tuple(text.split())


# Name sets: male first names | female first names | family names. "Latin/Native" pairs.
NAMES: Final[Mapping[str, tuple[str, str, str]]] = {
    "en": (
        "James Michael Robert John David William Richard Joseph Thomas Christopher Daniel"
        " Matthew Anthony Mark Steven Andrew Joshua Kevin Brian Ryan Jacob Tyler Nathan Ethan"
        " Liam Noah Oliver Lucas Aiden Connor",
        "Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Emily Ashley"
        " Samantha Katherine Amanda Megan Rachel Lauren Hannah Olivia Emma Sophia Chloe Grace"
        " Madison Abigail Charlotte Amelia",
        "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore"
        " Martin Jackson Thompson White Harris Clark Lewis Robinson Walker Young Allen King"
        " Wright Scott Hill Green Adams Baker Nelson Carter Mitchell Roberts Turner Phillips"
        " Campbell Parker Evans Edwards Collins Murphy O'Brien Kelly Garcia Nguyen Patel Kim",
    ),
    "de": (
        "Lukas Leon Finn Jonas Paul Felix Maximilian Elias Noah Ben Tim Jan Niklas Tobias"
        " Stefan Thomas Michael Andreas Markus Florian Sebastian Christian Jürgen Matthias",
        "Anna Lena Lea Hannah Mia Emma Sophie Laura Julia Lisa Sarah Katharina Marie Johanna"
        " Sabine Petra Claudia Stefanie Nicole Melanie Franziska Jana Charlotte Luisa",
        "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch"
        " Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann"
        " Hartmann Lange Werner Krause Lehmann Köhler Maier Huber Yilmaz",
    ),
    "fr": (
        "Lucas Hugo Louis Gabriel Arthur Jules Nathan Thomas Nicolas Julien Pierre Antoine"
        " Maxime Alexandre Mathieu Théo Raphaël Léo Baptiste Romain Guillaume",
        "Emma Léa Chloé Manon Camille Inès Sarah Julie Marie Laura Pauline Céline Sophie"
        " Mathilde Clara Juliette Anaïs Océane Margaux Élodie Lucie",
        "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent"
        " Lefebvre Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard André"
        " Mercier Dupont Lambert Bonnet François Martinez Benali",
    ),
    "es": (
        "Alejandro Daniel Pablo David Javier Carlos Miguel Sergio Jorge Luis José Juan Diego"
        " Mateo Santiago Andrés Fernando Ricardo Eduardo Adrián Álvaro Hugo",
        "María Lucía Sofía Martina Paula Laura Carmen Ana Isabel Elena Marta Sara Valentina"
        " Camila Daniela Gabriela Andrea Fernanda Ximena Alejandra Natalia Julia",
        "García Rodríguez González Fernández López Martínez Sánchez Pérez Gómez Martín Jiménez"
        " Ruiz Hernández Díaz Moreno Álvarez Romero Torres Ramírez Flores Castro Vargas Rojas"
        " Morales Ortiz Gutiérrez Chávez Mendoza Silva",
    ),
    "pt": (
        "Miguel Arthur Gael Heitor Theo Davi Gabriel Bernardo Samuel João Pedro Lucas Mateus"
        " Rafael Gustavo Felipe Thiago Bruno Rodrigo Leonardo Vinícius Caio",
        "Helena Alice Laura Maria Sofia Valentina Heloísa Júlia Beatriz Ana Mariana Larissa"
        " Camila Fernanda Letícia Gabriela Amanda Bruna Juliana Patrícia",
        "Silva Santos Oliveira Souza Rodrigues Ferreira Alves Pereira Lima Gomes Costa Ribeiro"
        " Martins Carvalho Almeida Lopes Soares Fernandes Vieira Barbosa Rocha Dias Nascimento"
        " Andrade Moreira Nunes Marques Machado Mendes Freitas",
    ),
    "it": (
        "Leonardo Francesco Alessandro Lorenzo Mattia Andrea Gabriele Riccardo Marco Luca"
        " Giuseppe Giovanni Antonio Matteo Davide Simone Federico Stefano Paolo Roberto",
        "Sofia Giulia Aurora Alice Ginevra Emma Giorgia Greta Martina Chiara Francesca Sara"
        " Valentina Federica Elena Alessia Silvia Laura Anna Beatrice",
        "Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo"
        " Conti De Luca Mancini Costa Giordano Rizzo Lombardi Moretti Barbieri Fontana Santoro"
        " Mariani Rinaldi Caruso Ferrara Galli",
    ),
    "nl": (
        "Daan Sem Lucas Levi Finn Milan Bram Thijs Jesse Ruben Lars Tom Niels Stijn Jeroen"
        " Bas Sander Pieter Joost Wouter",
        "Emma Julia Tess Sophie Zoë Lotte Sanne Fleur Anouk Lisa Eva Iris Femke Noor Maud"
        " Lieke Marieke Esther Ilse Ingrid",
        "de Jong Jansen de Vries van den Berg van Dijk Bakker Janssen Visser Smit Meijer"
        " de Boer Mulder de Groot Bos Vos Peters Hendriks van Leeuwen Dekker Brouwer de Wit"
        " Dijkstra Smits de Graaf van der Meer",
    ),
    "pl": (
        "Jakub Kacper Antoni Szymon Filip Jan Mikołaj Wojciech Piotr Krzysztof Tomasz Paweł"
        " Michał Marcin Łukasz Adam Mateusz Bartosz Grzegorz Dawid",
        "Zuzanna Julia Maja Zofia Hanna Lena Alicja Anna Katarzyna Magdalena Agnieszka Joanna"
        " Monika Aleksandra Natalia Karolina Marta Ewa Dominika Paulina",
        "Nowak Kowalski Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński Szymański"
        " Woźniak Dąbrowski Kozłowski Jankowski Mazur Kwiatkowski Krawczyk Piotrowski"
        " Grabowski Nowakowski Pawłowski Michalski Nowicki Adamczyk Dudek Zając",
    ),
    "sv": (
        "William Liam Noah Hugo Lucas Oliver Elias Adam Alexander Axel Erik Johan Lars Anders"
        " Karl Nils Oskar Viktor Emil Gustav",
        "Alice Maja Elsa Astrid Wilma Freja Ella Ebba Olivia Saga Anna Eva Karin Sara Emma"
        " Linnea Ingrid Matilda Klara Johanna",
        "Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson"
        " Gustafsson Pettersson Jonsson Jansson Hansson Bengtsson Lindberg Lindqvist Berg"
        " Lundgren Holm",
    ),
    "ru": (
        "Aleksandr/Александр Dmitry/Дмитрий Maksim/Максим Sergey/Сергей Andrey/Андрей"
        " Aleksey/Алексей Ivan/Иван Mikhail/Михаил Nikita/Никита Artem/Артём Egor/Егор"
        " Pavel/Павел Roman/Роман Vladimir/Владимир Denis/Денис Kirill/Кирилл",
        "Anastasia/Анастасия Maria/Мария Daria/Дарья Anna/Анна Elena/Елена Olga/Ольга"
        " Tatiana/Татьяна Natalia/Наталья Ekaterina/Екатерина Yulia/Юлия Irina/Ирина"
        " Svetlana/Светлана Polina/Полина Sofia/София Ksenia/Ксения Alina/Алина",
        "Ivanov/Иванов Smirnov/Смирнов Kuznetsov/Кузнецов Popov/Попов Vasiliev/Васильев"
        " Petrov/Петров Sokolov/Соколов Mikhailov/Михайлов Novikov/Новиков Fedorov/Фёдоров"
        " Morozov/Морозов Volkov/Волков Lebedev/Лебедев Kozlov/Козлов Pavlov/Павлов"
        " Orlov/Орлов Nikitin/Никитин Zaitsev/Зайцев",
    ),
    "uk": (
        "Oleksandr/Олександр Andriy/Андрій Dmytro/Дмитро Serhiy/Сергій Taras/Тарас"
        " Bohdan/Богдан Yuriy/Юрій Maksym/Максим Ivan/Іван Mykola/Микола Vitaliy/Віталій",
        "Olena/Олена Iryna/Ірина Nataliya/Наталія Oksana/Оксана Tetiana/Тетяна"
        " Yulia/Юлія Kateryna/Катерина Anastasiia/Анастасія Sofiia/Софія Viktoriia/Вікторія",
        "Melnyk/Мельник Shevchenko/Шевченко Boyko/Бойко Kovalenko/Коваленко Bondarenko/Бондаренко"
        " Tkachenko/Ткаченко Kravchenko/Кравченко Oliynyk/Олійник Shevchuk/Шевчук"
        " Polishchuk/Поліщук Lysenko/Лисенко Moroz/Мороз",
    ),
    "tr": (
        "Mehmet Mustafa Ahmet Ali Hüseyin Hasan İbrahim Emre Burak Murat Can Yusuf Eymen"
        " Ömer Kerem Mert Onur Serkan",
        "Ayşe Fatma Zeynep Elif Emine Hatice Merve Büşra Esra Defne Ecrin Eylül Selin Melis"
        " Derya Gamze Özge Ceren",
        "Yılmaz Kaya Demir Şahin Çelik Yıldız Yıldırım Öztürk Aydın Özdemir Arslan Doğan"
        " Kılıç Aslan Çetin Kara Koç Kurt Özkan Şimşek",
    ),
    "hi": (
        "Aarav Vivaan Aditya Vihaan Arjun Rohan Rahul Amit Vikram Suresh Rajesh Sanjay Anil"
        " Karthik Pranav Siddharth Nikhil Varun Harsh Manish Venkatesh Abhishek",
        "Aadhya Ananya Diya Saanvi Priya Pooja Neha Sneha Anjali Kavya Shreya Divya Lakshmi"
        " Meera Nisha Ritu Swati Deepika Aishwarya Sunita Isha",
        "Sharma Verma Gupta Singh Kumar Patel Shah Reddy Rao Iyer Nair Menon Mehta Joshi Das"
        " Banerjee Chatterjee Mukherjee Agarwal Jain Pillai Krishnan Khan Yadav Mishra Pandey",
    ),
    "ja": (
        "Haruto/陽翔 Sota/蒼太 Yuto/悠斗 Ren/蓮 Hiroshi/博 Takashi/隆 Kenji/健二 Daiki/大輝"
        " Shota/翔太 Kazuki/一輝 Yuki/勇気 Takumi/拓海 Ryota/亮太 Kenta/健太",
        "Yui/結衣 Hina/陽菜 Sakura/さくら Aoi/葵 Yuna/優奈 Misaki/美咲 Haruka/遥 Ayaka/彩花"
        " Yuko/裕子 Keiko/恵子 Mai/舞 Nanami/七海 Rin/凛 Akiko/明子",
        "Sato/佐藤 Suzuki/鈴木 Takahashi/高橋 Tanaka/田中 Watanabe/渡辺 Ito/伊藤"
        " Yamamoto/山本 Nakamura/中村 Kobayashi/小林 Kato/加藤 Yoshida/吉田 Yamada/山田"
        " Sasaki/佐々木 Yamaguchi/山口 Matsumoto/松本 Inoue/井上 Kimura/木村 Hayashi/林",
    ),
    "ko": (
        "Minjun/민준 Seojun/서준 Dohyun/도현 Jiho/지호 Junseo/준서 Hyunwoo/현우 Jihoon/지훈"
        " Sungmin/성민 Jaehyun/재현 Youngho/영호 Taeyang/태양",
        "Seoyeon/서연 Jiwoo/지우 Seoyun/서윤 Minseo/민서 Hayoon/하윤 Jiyeon/지연"
        " Eunji/은지 Soyeon/소연 Hyejin/혜진 Yuna/유나 Jimin/지민",
        "Kim/김 Lee/이 Park/박 Choi/최 Jung/정 Kang/강 Cho/조 Yoon/윤 Jang/장 Lim/임"
        " Han/한 Oh/오 Seo/서 Shin/신 Kwon/권",
    ),
    "zh": (
        "Wei/伟 Hao/浩 Yu/宇 Jun/军 Jie/杰 Lei/磊 Tao/涛 Ming/明 Qiang/强 Peng/鹏"
        " Chao/超 Zihan/子涵 Haoran/浩然 Yichen/一辰",
        "Fang/芳 Na/娜 Min/敏 Jing/静 Li/丽 Yan/燕 Xiu/秀 Juan/娟 Ying/英 Hui/慧"
        " Xinyi/欣怡 Yutong/雨桐 Zixuan/梓萱 Mengyao/梦瑶",
        "Wang/王 Li/李 Zhang/张 Liu/刘 Chen/陈 Yang/杨 Huang/黄 Zhao/赵 Wu/吴 Zhou/周"
        " Xu/徐 Sun/孙 Ma/马 Zhu/朱 Hu/胡 Guo/郭 He/何 Lin/林 Gao/高 Luo/罗",
    ),
    "id": (
        "Budi Agus Andi Rizky Dimas Fajar Arif Hendra Yoga Bayu Eko Adi Putra Reza Ilham"
        " Muhammad Ahmad Dwi",
        "Siti Dewi Sri Putri Ayu Rina Wulan Indah Fitri Nur Lestari Ratna Intan Maya Dian"
        " Anisa Nabila",
        "Santoso Wijaya Saputra Hidayat Pratama Kusuma Setiawan Nugroho Gunawan Halim"
        " Susanto Wibowo Hartono Siregar Lubis Nasution Purnomo",
    ),
    "ng": (
        "Chinedu Emeka Oluwaseun Tunde Ibrahim Musa Chukwuemeka Babatunde Segun Ifeanyi Femi"
        " Uche Obinna Adebayo Kelechi Daniel Samuel Emmanuel",
        "Chioma Ngozi Aisha Funmilayo Blessing Adaeze Amaka Folake Yetunde Zainab Halima"
        " Precious Grace Esther Ifeoma Kemi Titilayo",
        "Okafor Adeyemi Ibrahim Okonkwo Bello Eze Ogunleye Nwosu Abubakar Adebayo Okeke"
        " Afolabi Chukwu Obi Musa Balogun Olawale Nnamdi Usman",
    ),
    "ph": (
        "Juan Jose Mark John Michael Christian Angelo Paolo Carlo Miguel Joshua Renz Jericho"
        " Rommel Ramon",
        "Maria Kristine Angelica Jasmine Nicole Mary Joy Camille Princess Patricia Rowena"
        " Maricel Lorna Andrea",
        "dela Cruz Garcia Reyes Ramos Mendoza Santos Flores Gonzales Bautista Villanueva"
        " Fernandez Cruz de Guzman Lopez Aquino Castillo Navarro Tolentino",
    ),
    "vi": (
        "Minh Huy Khang Bao Phuc Anh Duc Hoang Nam Long Quang Tuan Thanh Dung Hieu Trung",
        "Linh Ngoc Anh Thao Mai Lan Huong Trang Hoa Phuong Thu Nhung Yen Vy Chi Quynh",
        "Nguyen Tran Le Pham Hoang Huynh Phan Vu Vo Dang Bui Do Ho Ngo Duong Ly",
    ),
}

# Multi-word family names above are joined with spaces in NAMES; these are the ones to keep whole.
COMPOUND_SURNAMES = (
    "de Jong", "de Vries", "van den Berg", "van Dijk", "de Boer", "de Groot", "van Leeuwen",
    "de Wit", "de Graaf", "van der Meer", "De Luca", "dela Cruz", "de Guzman",
)  # fmt: skip

# Words for handles ("bluefox42") and for made-up company and school domains.
HANDLE_WORDS = words(
    """
blue shadow pixel ninja coffee lucky silent wolf tiger sunny moon star dragon happy crazy
dark cool little big rocket cyber mango panda storm frost neo retro velvet lazy cosmic
golden silver wild quiet red green purple night dream soul fire ice snow rain sky sun
ghost hero king queen prince angel devil magic music gamer coder dev hacker fox bear cat
dog owl hawk raven lion shark tofu noodle pickle waffle cookie kiwi peach
"""
)
COMPANY_WORDS = words(
    """
north wind bright path harbor summit apex nova forge stack river stone maple cedar iron
quant vector signal atlas orbit lumen kite delta prairie beacon granite meadow copper
falcon willow pine ember cobalt zenith lattice arbor tidal helix crest sable juniper
"""
)
COMPANY_SUFFIXES = words(
    """
labs tech works systems analytics group software digital ai consulting health bio capital
logistics data cloud media studio partners
"""
)
PLACE_WORDS = words(
    """
westbrook ashford lakeside brampton hillcrest riverside kingsbridge northfield elmwood
fairview oakridge stanmore weston clearwater highland bayview greenfield
"""
)
