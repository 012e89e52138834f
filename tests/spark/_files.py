"""Small rating files the Spark data tests write into tmp folders."""

# A MovieLens ratings.csv with planted bad rows; comments give the 1-based line and what cleaning must do.
PLANTED_CSV = [
    "userId,movieId,rating,timestamp",  # 1 header: not a row
    "1,10,4.0,100",  # 2 kept
    "1,11,3.5,100",  # 3 kept
    "2,10,5.0,100",  # 4 kept
    "1,10,2.0,100",  # 5 duplicate of line 2
    "1,12,4.0",  # 6 malformed: 3 fields
    "1,13,4.0,100,extra",  # 7 malformed: 5 fields
    "",  # 8 blank: not a row
    ",14,4.0,100",  # 9 missing_value
    "3,,4.0,100",  # 10 missing_value
    "3,15, ,100",  # 11 missing_value (blank after trimming)
    "x,16,4.0,100",  # 12 non_numeric
    "3,1.5,4.0,100",  # 13 non_numeric: not an integer
    "99999999999,16,4.0,100",  # 14 non_numeric: beyond Java int
    "3,17,abc,100",  # 15 non_numeric
    "3,18,NaN,100",  # 16 non_numeric: not a finite number
    "3,19,7.5,100",  # 17 rating_out_of_scale
    "3,20,0.0,100",  # 18 rating_out_of_scale
    "3,21,0.5,100",  # 19 kept: bounds are inclusive
    "3,22,5,100",  # 20 kept
    " 4 , 23 , 3.0 ,100",  # 21 kept: fields are trimmed
    "2,10,1.0,100",  # 22 duplicate of line 4
]
PLANTED_DROPPED = {"malformed": 2, "missing_value": 3, "non_numeric": 5, "rating_out_of_scale": 2, "duplicate": 2}
PLANTED_KEPT = {(1, 10, 4.0), (1, 11, 3.5), (2, 10, 5.0), (3, 21, 0.5), (3, 22, 5.0), (4, 23, 3.0)}


def write_lines(path, lines):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path
