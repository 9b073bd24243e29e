"""The function templates of the `code-repair` environment. Private to the verifier.

A template is a small pure Python function with placeholders: `{name}` in lower case is a parameter or local
variable (drawn from a pool), `{NAME}` in upper case is an integer constant (drawn per instance), `{h}` in a
combo is the helper function it calls. Every template comes with a docstring that states its behaviour exactly
(the agent learns what is right from it) and an argument generator that stays inside that stated domain and
often hits the boundaries where a wrong comparison or an off-by-one shows.

`kind` says what a helper takes and returns, so combos (functions that call a helper) can be built over it:
int1 (int -> int), pred (int -> bool), list1 (list of ints -> int), str1 (str -> str), strint (str -> int);
`other` templates stand alone. Inputs and outputs are plain JSON data (ints, bools, strings, lists): no floats,
so a correct fix computed another way gives the very same values.
"""

PRIMES = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103]
WORDS = """
apple river candle garden pepper silver tiger window planet coffee marble rocket violet pencil harbor meadow
lantern orange falcon cookie anchor badger basket beacon bottle bridge bucket butter cactus camera canyon
carpet castle cherry circle cobalt copper cotton dragon eagle engine fabric feather forest fossil galaxy ginger
hammer helmet island jacket jungle kettle ladder lemon lizard magnet mirror monkey needle nickel oyster paddle
parrot pebble pillow pirate pocket puzzle quartz rabbit saddle salmon shadow shovel spider sponge statue summit
tablet thunder timber tomato tunnel turtle velvet walnut wizard yogurt zipper zebra acorn amber arrow autumn
bamboo banjo barrel beetle breeze bronze cabin canvas cargo cedar chalk comet coral daisy ember fern flint hazel
ivory kayak kiwi koala lagoon lilac linen lotus maple mint nectar oasis olive otter panda pine plum poppy quill
raven reef sage slate sparrow squid storm swan tango tulip umber valley vapor willow yarrow zinnia ox ant bee
""".split()
PEOPLE = ["ada", "grace", "alan", "linus", "barbara", "ken", "dennis", "margaret", "edsger", "donald", "frances",
          "john", "tim", "guido", "anita", "radia", "katherine", "dorothy", "hedy", "claude", "niklaus", "joan"]


# ---------------------------------------------------------------------------------------------------------------
# Argument helpers


def near(r, points, lo, hi):
    """An int in [lo, hi]: half the time one of `points` or a neighbour of it (where boundary bugs show)."""
    if points and r.random() < 0.5:
        return min(hi, max(lo, r.choice(points) + r.choice([-1, 0, 0, 1])))
    return r.randint(lo, hi)


def ints(r, n_lo, n_hi, lo, hi):
    return [r.randint(lo, hi) for _ in range(r.randint(n_lo, n_hi))]


def words(r, lo, hi):
    return [r.choice(WORDS) for _ in range(r.randint(lo, hi))]


def mixed_case(r, word):
    form = r.randrange(4)
    return word.upper() if form == 0 else word.title() if form == 1 else word


def text(r, lo, hi):
    return " ".join(mixed_case(r, w) for w in words(r, lo, hi))


def letters_text(r):
    """A short text of lower-case words with the odd capital, digit or punctuation mark."""
    parts = words(r, 1, 4)
    if r.random() < 0.4:
        parts.append(r.choice(["xyz", "zoo", "yak", "abc", "Quiz", "A-1", "ok!", "9 lives"]))
    return " ".join(parts)


def runs_text(r):
    return "".join(r.choice("aab" if r.random() < 0.5 else "abc") * r.choice([1, 1, 2, 3]) for _ in range(r.randint(0, 5)))


def sized_text(r, n):
    """A text whose length is often right at n (the cut-off of a truncation)."""
    length = near(r, [n, n + 1, n - 1], 1, 2 * n + 6)
    out = ""
    while len(out) < length:
        out += r.choice(WORDS) + " "
    return out[:length].strip() or "x"


class Template:
    def __init__(self, key, kind, names, params, doc, body, args, vars=None, consts=None, needs=None):
        self.key, self.kind, self.names, self.params = key, kind, names, params
        self.doc, self.body, self.args = doc, body, args
        self.vars = vars or {}
        self.consts = consts
        # A combo needs a helper of this kind; its `args` take (r, constants, helper).
        self.needs = needs


T = Template
N_POOL = ["n", "number", "value", "num"]
ITEMS = ["items", "values", "numbers", "readings", "data"]
ITEM = ["x", "item", "v", "entry"]
TOTAL = ["total", "result", "acc", "running"]
COUNT = ["count", "found", "hits", "tally"]
INDEX = ["i", "k", "pos", "idx"]
TEXT = ["text", "line", "phrase", "s"]
WORD = ["word", "part", "piece", "token"]

# ---------------------------------------------------------------------------------------------------------------
# int -> int

INT1 = [
    T("digit_sum", "int1", ["digit_sum", "sum_of_digits", "digits_total", "cross_sum", "add_digits"], ["n"],
      "Return the sum of the decimal digits of {n} ({n} is 0 or more).",
      """
      {total} = 0
      while {n} > 0:
          {total} += {n} % 10
          {n} //= 10
      return {total}
      """,
      lambda r, c: [near(r, [0, 9, 10, 99, 100], 0, 99999)],
      vars={"n": N_POOL, "total": TOTAL}),
    T("clamp_fixed", "int1", ["clamp_level", "limit_value", "bound_score", "cap_reading", "fit_to_scale"], ["x"],
      "Return {x} limited to the range {LO}..{HI}: {LO} when {x} is below {LO}, {HI} when it is above {HI}.",
      """
      if {x} < {LO}:
          return {LO}
      if {x} > {HI}:
          return {HI}
      return {x}
      """,
      lambda r, c: [near(r, [c["LO"], c["HI"]], c["LO"] - 15, c["HI"] + 15)],
      vars={"x": ["x", "value", "level", "reading"]},
      consts=lambda r: {"LO": r.randint(0, 20), "HI": r.randint(40, 90)}),
    T("round_down", "int1", ["round_down", "floor_to_step", "snap_down", "to_lower_multiple"], ["n"],
      "Return {n} rounded down to a multiple of {K} ({n} is 0 or more).",
      """
      return {n} - {n} % {K}
      """,
      lambda r, c: [near(r, [0, c["K"], 2 * c["K"]], 0, 400)],
      vars={"n": N_POOL + ["amount"]},
      consts=lambda r: {"K": r.randint(3, 12)}),
    T("round_up", "int1", ["round_up", "ceil_to_step", "snap_up", "to_upper_multiple", "pack_size"], ["n"],
      "Return the smallest multiple of {K} that is {n} or more ({n} is 0 or more).",
      """
      return ({n} + {K} - 1) // {K} * {K}
      """,
      lambda r, c: [near(r, [0, c["K"], 2 * c["K"]], 0, 400)],
      vars={"n": N_POOL + ["amount"]},
      consts=lambda r: {"K": r.randint(3, 12)}),
    T("triangle", "int1", ["triangle_number", "sum_up_to", "running_sum_to", "total_to"], ["n"],
      "Return 1 + 2 + ... + {n}, or 0 when {n} is 0 or less.",
      """
      {total} = 0
      for {i} in range(1, {n} + 1):
          {total} += {i}
      return {total}
      """,
      lambda r, c: [near(r, [0, 1, 2], -3, 60)],
      vars={"n": ["n", "limit", "top", "last"], "total": TOTAL, "i": INDEX}),
    T("fee", "int1", ["card_fee", "service_fee", "handling_fee", "transfer_fee"], ["amount"],
      "Return the fee in cents for {amount} cents: {P} percent of {amount} (rounded down), but at least {MIN}.",
      """
      {fee} = {amount} * {P} // 100
      if {fee} < {MIN}:
          return {MIN}
      return {fee}
      """,
      lambda r, c: [near(r, [c["MIN"] * 100 // c["P"] + 1, 0], 0, 5 * c["MIN"] * 100 // c["P"])],
      vars={"amount": ["amount", "cents", "price", "subtotal"], "fee": ["fee", "charge", "cost"]},
      consts=lambda r: {"P": r.randint(2, 15), "MIN": r.randint(20, 99)}),
    T("reverse_digits", "int1", ["reverse_digits", "mirror_number", "flip_digits", "digits_reversed"], ["n"],
      "Return the number whose decimal digits are those of {n} in reverse order (leading zeros dropped; {n} is "
      "0 or more).",
      """
      {out} = 0
      while {n} > 0:
          {out} = {out} * 10 + {n} % 10
          {n} //= 10
      return {out}
      """,
      lambda r, c: [near(r, [0, 10, 100, 120], 0, 99999)],
      vars={"n": N_POOL, "out": ["out", "rev", "result", "backwards"]}),
    T("count_divisors", "int1", ["count_divisors", "divisor_count", "number_of_divisors", "factor_count"], ["n"],
      "Return how many whole numbers from 1 to {n} divide {n} evenly ({n} is 1 or more).",
      """
      {count} = 0
      for {d} in range(1, {n} + 1):
          if {n} % {d} == 0:
              {count} += 1
      return {count}
      """,
      lambda r, c: [r.choice([r.randint(1, 150), r.choice(PRIMES), r.choice([1, 12, 36, 60, 64, 100])])],
      vars={"n": N_POOL, "count": COUNT, "d": ["d", "k", "candidate"]}),
    T("distance", "int1", ["distance_from_goal", "gap_to_target", "miss_by", "off_target"], ["n"],
      "Return how far {n} is from {T} (never negative).",
      """
      if {n} > {T}:
          return {n} - {T}
      return {T} - {n}
      """,
      lambda r, c: [near(r, [c["T"]], c["T"] - 40, c["T"] + 40)],
      vars={"n": ["n", "value", "guess", "shot"]},
      consts=lambda r: {"T": r.randint(10, 90)}),
    T("shipping", "int1", ["shipping_cost", "parcel_price", "postage", "delivery_charge"], ["w"],
      "Return the shipping cost of a parcel of {w} kg: {C1} up to {W1} kg, {C2} up to {W2} kg, and above "
      "{W2} kg {C2} plus {R} for each kg over {W2}.",
      """
      if {w} <= {W1}:
          return {C1}
      if {w} <= {W2}:
          return {C2}
      return {C2} + ({w} - {W2}) * {R}
      """,
      lambda r, c: [near(r, [c["W1"], c["W2"]], 0, c["W2"] + 12)],
      vars={"w": ["weight", "kg", "w", "mass"]},
      consts=lambda r: (lambda w1, c1: {"W1": w1, "W2": w1 + r.randint(2, 6), "C1": c1, "C2": c1 + r.randint(2, 6),
                                        "R": r.randint(2, 5)})(r.randint(1, 5), r.randint(3, 9))),
    T("points", "int1", ["loyalty_points", "reward_points", "bonus_score", "earned_points"], ["n"],
      "Return the points for spending {n}: {P} for each full {K} spent, plus {B} extra when {n} is {T} or more.",
      """
      {pts} = {n} // {K} * {P}
      if {n} >= {T}:
          {pts} += {B}
      return {pts}
      """,
      lambda r, c: [near(r, [c["T"], c["K"]], 0, 2 * c["T"])],
      vars={"n": ["spent", "amount", "n", "paid"], "pts": ["points", "pts", "score"]},
      consts=lambda r: {"K": r.randint(5, 20), "P": r.randint(2, 5), "T": r.randint(100, 300), "B": r.randint(10, 50)}),
    T("parking", "int1", ["parking_fee", "parking_charge", "garage_fee", "lot_price"], ["m"],
      "Return the parking fee for {m} minutes: free up to {F} minutes; longer stays pay {R} for every started "
      "hour after the first {F} minutes.",
      """
      if {m} <= {F}:
          return 0
      {hours} = ({m} - {F} + 59) // 60
      return {hours} * {R}
      """,
      lambda r, c: [near(r, [c["F"], c["F"] + 60, c["F"] + 120], 0, c["F"] + 400)],
      vars={"m": ["minutes", "mins", "duration", "m"], "hours": ["hours", "started", "blocks"]},
      consts=lambda r: {"F": r.randint(10, 45), "R": r.randint(2, 9)}),
    T("halvings", "int1", ["times_halved", "count_halvings", "twos_in", "halving_steps"], ["n"],
      "Return how many times {n} can be divided by 2 before the result is odd ({n} is 1 or more).",
      """
      {count} = 0
      while {n} % 2 == 0:
          {n} //= 2
          {count} += 1
      return {count}
      """,
      lambda r, c: [(r.randint(0, 30) * 2 + 1) * 2 ** r.randint(0, 6)],
      vars={"n": N_POOL, "count": COUNT}),
    T("sum_multiples", "int1", ["sum_of_multiples", "multiples_total", "fizz_sum", "add_multiples"], ["n"],
      "Return the sum of the numbers from 1 up to {n} - 1 that are divisible by {A} or by {B}.",
      """
      {total} = 0
      for {i} in range(1, {n}):
          if {i} % {A} == 0 or {i} % {B} == 0:
              {total} += {i}
      return {total}
      """,
      lambda r, c: [r.randint(0, 80)],
      vars={"n": ["n", "limit", "below", "end"], "total": TOTAL, "i": INDEX},
      consts=lambda r: (lambda a: {"A": a, "B": r.choice([b for b in range(6, 10) if b % a])})(r.randint(2, 5))),
    T("int_sqrt", "int1", ["int_sqrt", "floor_root", "whole_root", "square_root_floor"], ["n"],
      "Return the largest whole number whose square is {n} or less ({n} is 0 or more).",
      """
      {root} = 0
      while ({root} + 1) * ({root} + 1) <= {n}:
          {root} += 1
      return {root}
      """,
      lambda r, c: [near(r, [0, 1, 4, 9, 16, 25, 36, 49, 64, 81, 100, 121, 144], 0, 400)],
      vars={"n": N_POOL, "root": ["root", "side", "k"]}),
]

# ---------------------------------------------------------------------------------------------------------------
# int -> bool

PRED = [
    T("is_leap", "pred", ["is_leap_year", "leap_year", "has_feb_29", "is_leap"], ["y"],
      "Return True when {y} is a leap year: divisible by 4, except years divisible by 100 that are not "
      "divisible by 400.",
      """
      return {y} % 4 == 0 and ({y} % 100 != 0 or {y} % 400 == 0)
      """,
      lambda r, c: [r.choice([r.randint(1800, 2400), 4 * r.randint(450, 600), 100 * r.randint(17, 24), 400 * r.randint(4, 6)])],
      vars={"y": ["year", "y", "yr"]}),
    T("in_window", "pred", ["in_range", "within_limits", "is_allowed", "in_band"], ["n"],
      "Return True when {n} is between {LO} and {HI}, both included.",
      """
      return {LO} <= {n} <= {HI}
      """,
      lambda r, c: [near(r, [c["LO"], c["HI"]], c["LO"] - 20, c["HI"] + 20)],
      vars={"n": N_POOL},
      consts=lambda r: (lambda lo: {"LO": lo, "HI": lo + r.randint(10, 60)})(r.randint(0, 30))),
    T("full_batch", "pred", ["is_full_batch", "fits_step", "on_the_grid", "is_round_number"], ["n"],
      "Return True when {n} is a multiple of {K} other than 0.",
      """
      return {n} % {K} == 0 and {n} != 0
      """,
      lambda r, c: [r.choice([c["K"] * r.randint(-3, 10), r.randint(-30, 120), 0])],
      vars={"n": N_POOL},
      consts=lambda r: {"K": r.randint(3, 12)}),
    T("has_digit", "pred", ["has_digit", "contains_digit", "uses_digit", "digit_present"], ["n"],
      "Return True when the digit {D} appears in {n} ({n} is 0 or more).",
      """
      while {n} > 0:
          if {n} % 10 == {D}:
              return True
          {n} //= 10
      return False
      """,
      lambda r, c: [r.choice([r.randint(0, 9999), int(f"{r.randint(1, 99)}{c['D']}{r.randint(0, 99)}"), c["D"],
                              int(f"{c['D']}{r.randint(0, 999)}")])],
      vars={"n": N_POOL},
      consts=lambda r: {"D": r.randint(1, 9)}),
    T("is_prime", "pred", ["is_prime", "prime_check", "is_prime_number", "has_no_divisor"], ["n"],
      "Return True when {n} is a prime number (a number from 2 up that only 1 and itself divide).",
      """
      if {n} < 2:
          return False
      for {d} in range(2, {n}):
          if {n} % {d} == 0:
              return False
      return True
      """,
      lambda r, c: [r.choice([r.randint(0, 120), r.choice(PRIMES), r.choice([4, 9, 25, 49, 91])])],
      vars={"n": N_POOL, "d": ["d", "k", "candidate"]}),
]

# ---------------------------------------------------------------------------------------------------------------
# list of ints -> int

LIST1 = [
    T("sum_positive", "list1", ["sum_positive", "positive_total", "total_gains", "add_positives"], ["items"],
      "Return the sum of the items of {items} that are greater than 0.",
      """
      {total} = 0
      for {x} in {items}:
          if {x} > 0:
              {total} += {x}
      return {total}
      """,
      lambda r, c: [ints(r, 0, 8, -20, 20)],
      vars={"items": ITEMS, "x": ITEM, "total": TOTAL}),
    T("count_above", "list1", ["count_above", "how_many_over", "count_high", "over_limit_count"], ["items"],
      "Return how many items of {items} are greater than {T}.",
      """
      {count} = 0
      for {x} in {items}:
          if {x} > {T}:
              {count} += 1
      return {count}
      """,
      lambda r, c: [[near(r, [c["T"]], 0, 2 * c["T"]) for _ in range(r.randint(0, 8))]],
      vars={"items": ITEMS, "x": ITEM, "count": COUNT},
      consts=lambda r: {"T": r.randint(5, 50)}),
    T("max_rise", "list1", ["largest_step", "max_rise", "biggest_jump", "max_increase"], ["items"],
      "Return the largest increase from one item of {items} to the next ({items}[i] - {items}[i - 1]); 0 when "
      "no item is larger than the one before it.",
      """
      {best} = 0
      for {i} in range(1, len({items})):
          {gap} = {items}[{i}] - {items}[{i} - 1]
          if {gap} > {best}:
              {best} = {gap}
      return {best}
      """,
      lambda r, c: [ints(r, 1, 8, 0, 50)],
      vars={"items": ITEMS, "best": ["best", "largest", "top"], "i": INDEX, "gap": ["gap", "step", "rise"]}),
    T("spread", "list1", ["spread", "value_range", "span_of", "max_minus_min"], ["items"],
      "Return the largest item of {items} minus the smallest; 0 when {items} is empty.",
      """
      if not {items}:
          return 0
      return max({items}) - min({items})
      """,
      lambda r, c: [ints(r, 0, 7, -30, 60)],
      vars={"items": ITEMS}),
    T("rising_run", "list1", ["longest_rising_run", "longest_climb", "rising_streak", "best_streak"], ["items"],
      "Return the length of the longest run of consecutive items of {items} where each item is greater than "
      "the one before (a single item is a run of 1; 0 for an empty list).",
      """
      if not {items}:
          return 0
      {best} = 1
      {run} = 1
      for {i} in range(1, len({items})):
          if {items}[{i}] > {items}[{i} - 1]:
              {run} += 1
          else:
              {run} = 1
          if {run} > {best}:
              {best} = {run}
      return {best}
      """,
      lambda r, c: [ints(r, 0, 9, 0, 9)],
      vars={"items": ITEMS, "best": ["best", "longest", "record"], "run": ["run", "current", "streak"], "i": INDEX}),
    T("alternating", "list1", ["alternating_sum", "zigzag_total", "plus_minus_sum", "signed_total"], ["items"],
      "Return {items}[0] - {items}[1] + {items}[2] - {items}[3] + ... (0 for an empty list).",
      """
      {total} = 0
      for {i}, {x} in enumerate({items}):
          if {i} % 2 == 0:
              {total} += {x}
          else:
              {total} -= {x}
      return {total}
      """,
      lambda r, c: [ints(r, 0, 8, -10, 30)],
      vars={"items": ITEMS, "total": TOTAL, "i": INDEX, "x": ITEM}),
    T("weighted", "list1", ["weighted_sum", "position_weighted_total", "ranked_total", "weighted_score"], ["items"],
      "Return 1 * {items}[0] + 2 * {items}[1] + 3 * {items}[2] + ... (each item times its position counted "
      "from 1).",
      """
      {total} = 0
      for {i}, {x} in enumerate({items}):
          {total} += ({i} + 1) * {x}
      return {total}
      """,
      lambda r, c: [ints(r, 0, 7, -10, 20)],
      vars={"items": ITEMS, "total": TOTAL, "i": INDEX, "x": ITEM}),
    T("changes", "list1", ["count_changes", "number_of_switches", "value_changes", "transitions"], ["items"],
      "Return how many items of {items} differ from the item just before them.",
      """
      {count} = 0
      for {i} in range(1, len({items})):
          if {items}[{i}] != {items}[{i} - 1]:
              {count} += 1
      return {count}
      """,
      lambda r, c: [ints(r, 0, 9, 0, 3)],
      vars={"items": ITEMS, "count": COUNT, "i": INDEX}),
    T("middle", "list1", ["middle_value", "median_item", "central_value", "midpoint_item"], ["items"],
      "Return the item at position len({items}) // 2 (counting from 0) of {items} sorted from smallest to "
      "largest ({items} is not empty).",
      """
      {ordered} = sorted({items})
      return {ordered}[len({ordered}) // 2]
      """,
      lambda r, c: [ints(r, 1, 8, -20, 50)],
      vars={"items": ITEMS, "ordered": ["ordered", "ranked", "in_order"]}),
    T("top_k", "list1", ["sum_of_top", "best_k_total", "top_scores_total", "podium_sum"], ["items"],
      "Return the sum of the {K} largest items of {items} (of all of them when there are fewer than {K}).",
      """
      {ordered} = sorted({items}, reverse=True)
      return sum({ordered}[:{K}])
      """,
      lambda r, c: [ints(r, 0, 8, 0, 60)],
      vars={"items": ITEMS, "ordered": ["ordered", "ranked", "by_size"]},
      consts=lambda r: {"K": r.randint(2, 4)}),
]

# ---------------------------------------------------------------------------------------------------------------
# str -> str and str -> int

STR1 = [
    T("initials", "str1", ["initials", "name_initials", "monogram", "short_name"], ["s"],
      "Return the first letter of each word of {s} in upper case, joined together (words are separated by "
      "spaces).",
      """
      return "".join({w}[0].upper() for {w} in {s}.split())
      """,
      lambda r, c: [" ".join(mixed_case(r, p) for p in r.sample(PEOPLE, r.randint(1, 4)))],
      vars={"s": ["name", "full_name", "text"], "w": WORD}),
    T("mask", "str1", ["mask_number", "hide_digits", "mask_card", "redact_tail"], ["s"],
      "Return {s} with every character except the last {K} replaced by '*' ({s} has at least {K} characters).",
      """
      return "*" * (len({s}) - {K}) + {s}[-{K}:]
      """,
      lambda r, c: ["".join(r.choice("0123456789") for _ in range(r.randint(c["K"], 16)))],
      vars={"s": ["number", "card", "code", "text"]},
      consts=lambda r: {"K": r.randint(2, 5)}),
    T("caesar", "str1", ["shift_letters", "rotate_text", "caesar_shift", "encode_text"], ["s"],
      "Return {s} with each lower-case letter a-z moved {K} places forward in the alphabet (wrapping around "
      "from z to a); all other characters stay as they are.",
      """
      {out} = ""
      for {ch} in {s}:
          if "a" <= {ch} <= "z":
              {out} += chr((ord({ch}) - 97 + {K}) % 26 + 97)
          else:
              {out} += {ch}
      return {out}
      """,
      lambda r, c: [letters_text(r)],
      vars={"s": ["text", "message", "plain"], "ch": ["ch", "c", "letter"], "out": ["out", "coded", "result"]},
      consts=lambda r: {"K": r.randint(1, 25)}),
    T("truncate", "str1", ["shorten", "truncate_text", "clip_title", "cut_text"], ["s"],
      "Return {s} unchanged when it has at most {N} characters; otherwise its first {N} - 3 characters "
      "followed by '...' ({N} characters in all).",
      """
      if len({s}) <= {N}:
          return {s}
      return {s}[:{N} - 3] + "..."
      """,
      lambda r, c: [sized_text(r, c["N"])],
      vars={"s": ["text", "title", "line", "label"]},
      consts=lambda r: {"N": r.randint(8, 20)}),
    T("runs", "str1", ["run_length", "compress_runs", "encode_runs", "squeeze_counts"], ["s"],
      "Return {s} with each run of equal characters written as the character followed by the length of the "
      "run: 'aaab' gives 'a3b1' ('' for an empty text).",
      """
      {out} = ""
      {i} = 0
      while {i} < len({s}):
          {j} = {i}
          while {j} < len({s}) and {s}[{j}] == {s}[{i}]:
              {j} += 1
          {out} += {s}[{i}] + str({j} - {i})
          {i} = {j}
      return {out}
      """,
      lambda r, c: [runs_text(r)],
      vars={"s": ["text", "raw", "s"], "out": ["out", "packed", "result"], "i": ["i", "start", "pos"],
            "j": ["j", "end", "stop"]}),
    T("title_case", "str1", ["title_words", "capitalize_words", "headline", "proper_case"], ["s"],
      "Return {s} with the first character of every word in upper case and the others in lower case (words "
      "are separated by single spaces).",
      """
      return " ".join({w}[:1].upper() + {w}[1:].lower() for {w} in {s}.split(" "))
      """,
      lambda r, c: [text(r, 1, 5)],
      vars={"s": TEXT, "w": WORD}),
]

STRINT = [
    T("vowels", "strint", ["count_vowels", "vowel_count", "number_of_vowels", "vowels_in"], ["s"],
      "Return how many characters of {s} are vowels (a, e, i, o, u, in either case).",
      """
      {count} = 0
      for {ch} in {s}.lower():
          if {ch} in "aeiou":
              {count} += 1
      return {count}
      """,
      lambda r, c: [text(r, 0, 4)],
      vars={"s": TEXT, "count": COUNT, "ch": ["ch", "c", "letter"]}),
    T("long_words", "strint", ["count_long_words", "long_word_count", "wordy_count", "big_words"], ["s"],
      "Return how many words of {s} have more than {K} characters (words are separated by spaces).",
      """
      {count} = 0
      for {w} in {s}.split():
          if len({w}) > {K}:
              {count} += 1
      return {count}
      """,
      lambda r, c: [text(r, 0, 6)],
      vars={"s": TEXT, "count": COUNT, "w": WORD},
      consts=lambda r: {"K": r.randint(3, 6)}),
    T("letter_score", "strint", ["letter_score", "word_value", "alphabet_sum", "word_score"], ["s"],
      "Return the sum of the alphabet positions of the letters of {s} (a = 1, b = 2, ... z = 26, in either "
      "case); other characters count 0.",
      """
      {total} = 0
      for {ch} in {s}.lower():
          if "a" <= {ch} <= "z":
              {total} += ord({ch}) - 96
      return {total}
      """,
      lambda r, c: [letters_text(r)],
      vars={"s": TEXT, "total": TOTAL, "ch": ["ch", "c", "letter"]}),
    T("longest_word", "strint", ["longest_word_length", "max_word_length", "widest_word"], ["s"],
      "Return the length of the longest word of {s} (words are separated by spaces; 0 when there is none).",
      """
      {best} = 0
      for {w} in {s}.split():
          if len({w}) > {best}:
              {best} = len({w})
      return {best}
      """,
      lambda r, c: [text(r, 0, 5)],
      vars={"s": TEXT, "best": ["best", "longest", "widest"], "w": WORD}),
]

# ---------------------------------------------------------------------------------------------------------------
# Stand-alone functions of other shapes


def _window(r):
    lo = r.randint(-20, 20)
    hi = lo + r.randint(0, 40)
    return [near(r, [lo, hi], lo - 15, hi + 15), lo, hi]


def _spans(r):
    a = r.randint(0, 40)
    b = r.randint(0, 40)
    return [a, a + r.randint(0, 30), b, b + r.randint(0, 30)]


def _between(r):
    lo = r.randint(0, 20)
    hi = lo + r.randint(0, 20)
    return [[near(r, [lo, hi], 0, 45) for _ in range(r.randint(0, 8))], lo, hi]


OTHER = [
    T("clamp", "other", ["clamp", "limit", "bound", "squeeze"], ["x", "lo", "hi"],
      "Return {x} limited to the range {lo}..{hi}: {lo} when {x} is below {lo}, {hi} when it is above {hi} "
      "({lo} <= {hi}).",
      """
      if {x} < {lo}:
          return {lo}
      if {x} > {hi}:
          return {hi}
      return {x}
      """,
      lambda r, c: _window(r),
      vars={"x": ["x", "value", "n"], "lo": ["lo", "low", "floor_value"], "hi": ["hi", "high", "ceiling"]}),
    T("percent", "other", ["percent_of", "share_percent", "percentage", "ratio_percent"], ["part", "whole"],
      "Return {part} as a whole percentage of {whole}, rounded down ({whole} is more than 0).",
      """
      return {part} * 100 // {whole}
      """,
      lambda r, c: (lambda w: [r.randint(0, w), w])(r.randint(1, 400)),
      vars={"part": ["part", "done", "hits"], "whole": ["whole", "total", "tries", "size"]}),
    T("overlap", "other", ["overlap_length", "shared_span", "common_length", "intersection_size"],
      ["s1", "e1", "s2", "e2"],
      "Return the length of the overlap of the ranges {s1}..{e1} and {s2}..{e2} (a range a..b has length "
      "b - a); 0 when they do not overlap.",
      """
      {lo} = max({s1}, {s2})
      {hi} = min({e1}, {e2})
      if {hi} < {lo}:
          return 0
      return {hi} - {lo}
      """,
      lambda r, c: _spans(r),
      vars={"s1": ["start1", "a_start"], "e1": ["end1", "a_end"], "s2": ["start2", "b_start"],
            "e2": ["end2", "b_end"], "lo": ["lo", "first", "begin"], "hi": ["hi", "last", "finish"]}),
    T("month_days", "other", ["days_in_month", "month_length", "month_days"], ["m", "leap"],
      "Return the number of days of month {m} (1 = January ... 12 = December); February has 29 days when "
      "{leap} is True, else 28.",
      """
      if {m} == 2:
          return 29 if {leap} else 28
      if {m} in (4, 6, 9, 11):
          return 30
      return 31
      """,
      lambda r, c: [r.randint(1, 12), r.random() < 0.5],
      vars={"m": ["month", "m", "mon"], "leap": ["leap", "is_leap", "leap_year"]}),
    T("running_total", "other", ["running_total", "cumulative_sums", "prefix_sums", "balance_history"], ["items"],
      "Return the running totals of {items}: the first item, the sum of the first two, and so on.",
      """
      {out} = []
      {total} = 0
      for {x} in {items}:
          {total} += {x}
          {out}.append({total})
      return {out}
      """,
      lambda r, c: [ints(r, 0, 7, -10, 20)],
      vars={"items": ITEMS, "out": ["out", "sums", "history"], "total": TOTAL, "x": ITEM}),
    T("chunk", "other", ["chunk", "split_into_groups", "batches", "in_groups_of"], ["items", "size"],
      "Return {items} cut into consecutive lists of {size} items each (the last list may be shorter).",
      """
      return [{items}[{i}:{i} + {size}] for {i} in range(0, len({items}), {size})]
      """,
      lambda r, c: [ints(r, 0, 10, 0, 9), r.randint(1, 4)],
      vars={"items": ITEMS, "size": ["size", "n", "width"], "i": INDEX}),
    T("rotate", "other", ["rotate_left", "shift_items", "turn_left", "cycle_items"], ["items", "k"],
      "Return {items} rotated left by {k} places: the first {k} items move to the end ({items} is not empty; "
      "{k} may be larger than its length).",
      """
      {k} = {k} % len({items})
      return {items}[{k}:] + {items}[:{k}]
      """,
      lambda r, c: [ints(r, 1, 7, 0, 9), r.randint(0, 12)],
      vars={"items": ITEMS, "k": ["k", "steps", "by"]}),
    T("moving_sum", "other", ["moving_sums", "window_sums", "sliding_totals", "rolling_sums"], ["items", "width"],
      "Return the sums of every run of {width} consecutive items of {items}, from left to right (an empty list "
      "when {items} has fewer than {width} items).",
      """
      return [sum({items}[{i}:{i} + {width}]) for {i} in range(len({items}) - {width} + 1)]
      """,
      lambda r, c: [ints(r, 0, 8, 0, 20), r.randint(1, 4)],
      vars={"items": ITEMS, "width": ["width", "window", "span"], "i": INDEX}),
    T("bulk_price", "other", ["order_total", "basket_price", "bulk_price", "invoice_amount"], ["price", "qty"],
      "Return {price} * {qty}; when {qty} is {Q} or more, less a discount of {D} percent of that amount (the "
      "discount rounded down).",
      """
      {total} = {price} * {qty}
      if {qty} >= {Q}:
          {total} -= {total} * {D} // 100
      return {total}
      """,
      lambda r, c: [r.randint(1, 200), near(r, [c["Q"]], 0, 3 * c["Q"])],
      vars={"price": ["price", "unit_price", "each"], "qty": ["qty", "quantity", "units"], "total": TOTAL},
      consts=lambda r: {"D": r.randint(5, 30), "Q": r.randint(3, 12)}),
    T("count_between", "other", ["count_between", "in_range_count", "how_many_within"], ["items", "lo", "hi"],
      "Return how many items of {items} are at least {lo} and at most {hi}.",
      """
      {count} = 0
      for {x} in {items}:
          if {lo} <= {x} <= {hi}:
              {count} += 1
      return {count}
      """,
      lambda r, c: _between(r),
      vars={"items": ITEMS, "lo": ["lo", "low", "least"], "hi": ["hi", "high", "most"], "count": COUNT, "x": ITEM}),
    T("merge", "other", ["merge_sorted", "merge_lists", "combine_sorted", "zip_merge"], ["a", "b"],
      "Return one sorted list holding all the items of the sorted lists {a} and {b}.",
      """
      {out} = []
      {i} = 0
      {j} = 0
      while {i} < len({a}) and {j} < len({b}):
          if {a}[{i}] <= {b}[{j}]:
              {out}.append({a}[{i}])
              {i} += 1
          else:
              {out}.append({b}[{j}])
              {j} += 1
      return {out} + {a}[{i}:] + {b}[{j}:]
      """,
      lambda r, c: [sorted(ints(r, 0, 6, 0, 20)), sorted(ints(r, 0, 6, 0, 20))],
      vars={"a": ["a", "left", "first"], "b": ["b", "right", "second"], "out": ["out", "merged", "result"],
            "i": ["i", "ia", "p"], "j": ["j", "ib", "q"]}),
    T("gcd", "other", ["gcd", "greatest_common_divisor", "common_factor", "largest_divisor"], ["a", "b"],
      "Return the greatest common divisor of {a} and {b} (both are 1 or more).",
      """
      while {b} > 0:
          {a}, {b} = {b}, {a} % {b}
      return {a}
      """,
      lambda r, c: (lambda g: [g * r.randint(1, 20), g * r.randint(1, 20)])(r.choice([1, 1, 2, 3, 4, 6, 7])),
      vars={"a": ["a", "x", "m"], "b": ["b", "y", "n"]}),
    T("grade", "other", ["letter_grade", "grade_for", "score_to_grade", "mark_letter"], ["score"],
      "Return 'A' for a {score} of {A} or more, 'B' for {B} or more, 'C' for {C} or more, 'D' for {D} or more, "
      "and 'F' below {D}.",
      """
      if {score} >= {A}:
          return "A"
      if {score} >= {B}:
          return "B"
      if {score} >= {C}:
          return "C"
      if {score} >= {D}:
          return "D"
      return "F"
      """,
      lambda r, c: [near(r, [c["A"], c["B"], c["C"], c["D"]], 0, 100)],
      vars={"score": ["score", "points", "mark"]},
      consts=lambda r: (lambda a, s: {"A": a, "B": a - s, "C": a - 2 * s, "D": a - 3 * s})(r.randint(85, 95), r.randint(8, 12))),
    T("clock", "other", ["clock_text", "format_minutes", "as_clock", "hours_minutes"], ["m"],
      "Return {m} minutes written as hours and minutes, 'H:MM': 75 gives '1:15' and 5 gives '0:05'.",
      """
      return str({m} // 60) + ":" + str({m} % 60).rjust(2, "0")
      """,
      lambda r, c: [near(r, [0, 59, 60, 600], 0, 1500)],
      vars={"m": ["minutes", "total_minutes", "m"]}),
    T("pairs", "other", ["count_pairs_summing", "pairs_with_sum", "matching_pairs"], ["items", "target"],
      "Return how many pairs of positions i < j of {items} have {items}[i] + {items}[j] equal to {target}.",
      """
      {count} = 0
      for {i} in range(len({items})):
          for {j} in range({i} + 1, len({items})):
              if {items}[{i}] + {items}[{j}] == {target}:
                  {count} += 1
      return {count}
      """,
      lambda r, c: [ints(r, 0, 8, 0, 10), r.randint(0, 20)],
      vars={"items": ITEMS, "target": ["target", "goal", "wanted"], "count": COUNT, "i": ["i", "a", "p"],
            "j": ["j", "b", "q"]}),
]

# ---------------------------------------------------------------------------------------------------------------
# Combos: functions built on a helper `{h}` of a given kind. `args(r, c, h)`: h.draw() is one argument the helper
# accepts, h.out(x) the helper's right answer for it.

VALUES = ["values", "numbers", "inputs", "batch"]
GROUPS = ["groups", "lists", "rows", "batches"]
TEXTS = ["texts", "entries", "lines", "labels"]


def _draws(r, h, lo=2, hi=6):
    return [h.draw() for _ in range(r.randint(lo, hi))]


def _limit(r, h, values):
    return r.choice([h.out(r.choice(values)), h.out(r.choice(values)) + 1, r.randint(0, 30)])


COMBOS = [
    T("map_int", "other", ["convert_all", "map_values", "transform_all", "apply_each"], ["values"],
      "Return [{h}(v) for each item v of {values}], in the same order.",
      """
      return [{h}({v}) for {v} in {values}]
      """,
      lambda r, c, h: [_draws(r, h)], vars={"values": VALUES, "v": ITEM}, needs="int1"),
    T("total_of", "other", ["total_of", "sum_converted", "combined_total", "overall"], ["values"],
      "Return the sum of {h}(v) over the items v of {values}.",
      """
      {total} = 0
      for {v} in {values}:
          {total} += {h}({v})
      return {total}
      """,
      lambda r, c, h: [_draws(r, h, 1, 6)], vars={"values": VALUES, "v": ITEM, "total": TOTAL}, needs="int1"),
    T("count_at_least", "other", ["count_at_least", "how_many_reach", "count_meeting", "reach_count"],
      ["values", "limit"],
      "Return how many items v of {values} have {h}(v) >= {limit}.",
      """
      {count} = 0
      for {v} in {values}:
          if {h}({v}) >= {limit}:
              {count} += 1
      return {count}
      """,
      lambda r, c, h: (lambda vs: [vs, _limit(r, h, vs)])(_draws(r, h, 1, 7)),
      vars={"values": VALUES, "v": ITEM, "count": COUNT, "limit": ["limit", "minimum", "at_least"]}, needs="int1"),
    T("best_by", "other", ["best_by", "top_value", "winner", "pick_best"], ["values"],
      "Return the item v of {values} with the largest {h}(v), the earliest one on a tie ({values} is not empty).",
      """
      {best} = {values}[0]
      for {v} in {values}[1:]:
          if {h}({v}) > {h}({best}):
              {best} = {v}
      return {best}
      """,
      lambda r, c, h: [_draws(r, h, 1, 6)], vars={"values": VALUES, "v": ITEM, "best": ["best", "choice", "leader"]},
      needs="int1"),
    T("count_matching", "other", ["count_matching", "how_many_pass", "count_ok", "number_passing"], ["values"],
      "Return how many items v of {values} have {h}(v) true.",
      """
      {count} = 0
      for {v} in {values}:
          if {h}({v}):
              {count} += 1
      return {count}
      """,
      lambda r, c, h: [_draws(r, h, 1, 8)], vars={"values": VALUES, "v": ITEM, "count": COUNT}, needs="pred"),
    T("keep_matching", "other", ["keep_matching", "only_passing", "filter_ok", "select_matching"], ["values"],
      "Return the items v of {values} for which {h}(v) is true, in their order.",
      """
      return [{v} for {v} in {values} if {h}({v})]
      """,
      lambda r, c, h: [_draws(r, h, 1, 8)], vars={"values": VALUES, "v": ITEM}, needs="pred"),
    T("first_matching", "other", ["first_matching", "first_passing", "find_first", "earliest_ok"], ["values"],
      "Return the first item v of {values} for which {h}(v) is true, or -1 when there is none.",
      """
      for {v} in {values}:
          if {h}({v}):
              return {v}
      return -1
      """,
      lambda r, c, h: [_draws(r, h, 1, 6)], vars={"values": VALUES, "v": ITEM}, needs="pred"),
    T("per_group", "other", ["per_group", "score_groups", "measure_each", "group_values"], ["groups"],
      "Return [{h}(g) for each list g of {groups}], in the same order.",
      """
      return [{h}({g}) for {g} in {groups}]
      """,
      lambda r, c, h: [_draws(r, h)], vars={"groups": GROUPS, "g": ["g", "group", "row"]}, needs="list1"),
    T("best_group", "other", ["best_group", "top_group_index", "leading_group", "strongest_group"], ["groups"],
      "Return the position (counting from 0) of the list g of {groups} with the largest {h}(g), the earliest "
      "one on a tie ({groups} is not empty).",
      """
      {best} = 0
      for {i} in range(1, len({groups})):
          if {h}({groups}[{i}]) > {h}({groups}[{best}]):
              {best} = {i}
      return {best}
      """,
      lambda r, c, h: [_draws(r, h, 1, 5)], vars={"groups": GROUPS, "best": ["best", "leader", "top"], "i": INDEX},
      needs="list1"),
    T("grand_total", "other", ["grand_total", "sum_over_groups", "all_groups_total", "overall_total"], ["groups"],
      "Return the sum of {h}(g) over the lists g of {groups}.",
      """
      {total} = 0
      for {g} in {groups}:
          {total} += {h}({g})
      return {total}
      """,
      lambda r, c, h: [_draws(r, h, 1, 5)], vars={"groups": GROUPS, "g": ["g", "group", "row"], "total": TOTAL},
      needs="list1"),
    T("convert_texts", "other", ["convert_texts", "format_all", "clean_all", "rewrite_each"], ["texts"],
      "Return [{h}(t) for each string t of {texts}], in the same order.",
      """
      return [{h}({t}) for {t} in {texts}]
      """,
      lambda r, c, h: [_draws(r, h)], vars={"texts": TEXTS, "t": ["t", "item", "entry"]}, needs="str1"),
    T("join_converted", "other", ["join_converted", "render_list", "joined_labels", "format_joined"], ["texts", "sep"],
      "Return the strings {h}(t) for the strings t of {texts}, in order, joined with {sep} between them.",
      """
      return {sep}.join({h}({t}) for {t} in {texts})
      """,
      lambda r, c, h: [_draws(r, h, 1, 5), r.choice([", ", " | ", "-", "/", "; "])],
      vars={"texts": TEXTS, "t": ["t", "item", "entry"], "sep": ["sep", "glue", "separator"]}, needs="str1"),
    T("total_score", "other", ["total_score", "sum_scores", "combined_score", "overall_score"], ["texts"],
      "Return the sum of {h}(t) over the strings t of {texts}.",
      """
      {total} = 0
      for {t} in {texts}:
          {total} += {h}({t})
      return {total}
      """,
      lambda r, c, h: [_draws(r, h, 1, 5)], vars={"texts": TEXTS, "t": ["t", "item", "entry"], "total": TOTAL},
      needs="strint"),
    T("top_text", "other", ["top_text", "best_text", "highest_scoring", "pick_top"], ["texts"],
      "Return the string t of {texts} with the largest {h}(t), the earliest one on a tie ({texts} is not empty).",
      """
      {best} = {texts}[0]
      for {t} in {texts}[1:]:
          if {h}({t}) > {h}({best}):
              {best} = {t}
      return {best}
      """,
      lambda r, c, h: [_draws(r, h, 1, 5)], vars={"texts": TEXTS, "t": ["t", "item", "entry"], "best": ["best", "leader", "top"]},
      needs="strint"),
]

HELPERS = INT1 + PRED + LIST1 + STR1 + STRINT
STANDALONE = HELPERS + OTHER
HELPER_KINDS = ["int1", "pred", "list1", "str1", "strint"]
COMBOS_BY_KIND = {kind: [c for c in COMBOS if c.needs == kind] for kind in HELPER_KINDS}
