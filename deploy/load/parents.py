"""The parents of a load run, as sandbox data (sandbox-data.json, for `flask sandbox load`)
and as what each simulated parent knows (parents.json, for the locustfile).

    python deploy/load/parents.py --parents 200 --mix 60,25,15 --seed 1 --out DIR

Roles, by --mix in percent: "signin" (a cabinet with a password, one in ten types a wrong
one first), "recovery" (forgot the password; the app is bound, case 1) and "rereg" (a
child's cabinet held on someone else's number, re-registered onto this parent's IIN
and phone). Each parent has a client address of its own in 127.10.0.0/16, valid IINs,
a unique phone and name; the same seed gives the same people.
"""
from __future__ import annotations

import argparse
import json
import random
from datetime import date
from pathlib import Path
from typing import Any

from webapp.services import iin as iin_rules
from webapp.services import passwords

SURNAMES = ("Ахметов", "Сапаров", "Нурланов", "Серикбаев", "Жумабаев", "Касымов", "Оспанов", "Калиев",
            "Исмаилов", "Тулегенов", "Есенов", "Байжанов", "Омаров", "Рахимов", "Сулейменов", "Смагулов")
MEN = ("Ерлан", "Арман", "Нурлан", "Данияр", "Асхат", "Бауыржан", "Ержан", "Марат", "Канат", "Серик",
       "Талгат", "Азамат", "Руслан", "Айдар", "Олжас", "Дастан")
WOMEN = ("Айгерим", "Дана", "Мадина", "Гульнар", "Жанар", "Асель", "Динара", "Салтанат", "Айжан", "Камила",
         "Алия", "Сауле", "Меруерт", "Жулдыз", "Гаухар", "Томирис")
CHILDREN = ("Алихан", "Тимур", "Амина", "Айлин", "Санжар", "Медина", "Амир", "Сафия")


def address(index: int) -> str:
    return f"127.10.{index // 250}.{index % 250 + 1}"


class People:
    """Unique, valid IINs, phones, names, certificates and passwords."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.iins: set[str] = set()
        self.names: set[str] = set()
        self.phone_no = 1_000_000 + self.rng.randrange(1000) * 1000
        self.cert_no = self.rng.randrange(1_000_000, 2_000_000)

    def iin(self, born: date, sex_digit: int) -> str:
        while True:
            value = iin_rules.make(born, sex_digit, f"{self.rng.randrange(10000):04d}")
            if value not in self.iins:
                self.iins.add(value)
                return value

    def adult(self) -> tuple[str, str]:
        """(IIN, full name), the name unique in the run."""
        woman = self.rng.random() < 0.5
        while True:
            surname = self.rng.choice(SURNAMES) + ("а" if woman else "")
            name = f"{surname} {self.rng.choice(WOMEN if woman else MEN)}"
            if name in self.names:
                name += f" {self.rng.choice(MEN)}{'овна' if woman else 'ович'}"
            if name not in self.names:
                break
        self.names.add(name)
        born = date(self.rng.randrange(1975, 1999), self.rng.randrange(1, 13), self.rng.randrange(1, 29))
        return self.iin(born, 4 if woman else 3), name

    def child(self, parent_name: str) -> tuple[str, str]:
        born = date(self.rng.randrange(2019, 2024), self.rng.randrange(1, 13), self.rng.randrange(1, 29))
        boy = self.rng.random() < 0.5
        return self.iin(born, 5 if boy else 6), f"{parent_name.split()[0]} {self.rng.choice(CHILDREN)}"

    def phone(self) -> str:
        self.phone_no += 1
        return f"+7701{self.phone_no:07d}"

    def certificate(self) -> str:
        self.cert_no += 1
        return f"{self.cert_no:07d}"

    def password(self, iin: str, phone: str) -> str:
        alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
        while True:
            middle = "".join(self.rng.choice(alphabet) for _ in range(7))
            value = f"Kezek!{middle}{self.rng.randrange(10)}"
            if passwords.check(value, iin=iin, phone=phone).ok:
                return value


def build(parents: int, mix: tuple[int, int, int],
          seed: int) -> tuple[dict[str, list[Any]], list[dict[str, Any]]]:
    """(sandbox data, parents)."""
    people = People(seed)
    data: dict[str, list[Any]] = {"citizens": [], "cabinets": [], "children": [], "app_devices": []}
    counts = [parents * share // 100 for share in mix]
    counts[0] += parents - sum(counts)
    roles = ["signin"] * counts[0] + ["recovery"] * counts[1] + ["rereg"] * counts[2]
    people.rng.shuffle(roles)
    found: list[dict[str, Any]] = []
    for index, role in enumerate(roles):
        iin, name = people.adult()
        phone = people.phone()
        data["citizens"].append({"iin": iin, "full_name": name, "phones": [phone]})
        data["app_devices"].append({"phone": phone})
        parent: dict[str, Any] = {"index": index, "role": role, "address": address(index), "iin": iin,
                                  "name": name, "phone": phone, "password": None,
                                  "new_password": people.password(iin, phone),
                                  "wrong_first": role == "signin" and people.rng.random() < 0.1}
        if role in ("signin", "recovery"):
            parent["password"] = people.password(iin, phone)
            data["cabinets"].append({"iin": iin, "phone": phone, "password": parent["password"]})
            kid, kid_name = people.child(name)
            data["children"].append({"iin": kid, "full_name": kid_name,
                                     "birth_certificate": people.certificate(), "parents": [iin],
                                     "status": people.rng.choice(["attends", "queue"]), "cabinet_iin": iin})
        else:
            # The child's cabinet is held by someone else, on a number of their own.
            holder, holder_name = people.adult()
            holder_phone = people.phone()
            other, other_name = people.adult()
            data["citizens"] += [{"iin": holder, "full_name": holder_name, "phones": [holder_phone]},
                                 {"iin": other, "full_name": other_name, "phones": []}]
            data["cabinets"].append({"iin": holder, "phone": holder_phone,
                                     "password": people.password(holder, holder_phone)})
            kid, kid_name = people.child(name)
            certificate = people.certificate()
            order = [iin, other] if people.rng.random() < 0.5 else [other, iin]
            status = people.rng.choice(["attends", "queue"])
            data["children"].append({"iin": kid, "full_name": kid_name, "birth_certificate": certificate,
                                     "parents": order, "status": status, "cabinet_iin": holder})
            parent["rereg"] = {"child_iin": kid, "certificate": certificate, "parent1_iin": order[0],
                               "parent2_iin": order[1], "status": status}
        found.append(parent)
    return data, found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parents", type=int, default=200)
    parser.add_argument("--mix", default="60,25,15", help="percent of sign-in, recovery, re-registration")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    shares = tuple(int(x) for x in args.mix.split(","))
    if len(shares) != 3 or sum(shares) != 100:
        parser.error("--mix: three percentages that add up to 100")
    data, found = build(args.parents, (shares[0], shares[1], shares[2]), args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "sandbox-data.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    (args.out / "parents.json").write_text(json.dumps(found, ensure_ascii=False, indent=1), encoding="utf-8")
    roles = ", ".join(f"{role} {sum(p['role'] == role for p in found)}"
                      for role in ("signin", "recovery", "rereg"))
    print(f"{len(found)} parents ({roles}); {len(data['cabinets'])} cabinets, "
          f"{len(data['children'])} children -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
