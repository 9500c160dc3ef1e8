//! Dates written out for shoppers: "20 March 2026", "20 mars 2026", "20. März 2026".

use super::Lang;
use cadence_contract::Date;

const MONTHS: [[&str; 12]; 3] = [
    [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ],
];

/// `date` as a shopper of `lang` writes it in a sentence.
pub fn long_date(lang: Lang, date: Date) -> String {
    let (day, year) = (date.day(), date.year());
    let month = |row: usize| MONTHS[row][usize::from(date.month() - 1)];
    match lang {
        Lang::En => format!("{day} {} {year}", month(0)),
        // French writes the first of the month as an ordinal: "1er mars".
        Lang::Fr if day == 1 => format!("1er {} {year}", month(1)),
        Lang::Fr => format!("{day} {} {year}", month(1)),
        Lang::De => format!("{day}. {} {year}", month(2)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_language_writes_its_own_date() {
        let d = |s: &str| s.parse::<Date>().unwrap();
        assert_eq!(long_date(Lang::En, d("2026-03-20")), "20 March 2026");
        assert_eq!(long_date(Lang::Fr, d("2026-08-20")), "20 août 2026");
        assert_eq!(long_date(Lang::Fr, d("2026-03-01")), "1er mars 2026");
        assert_eq!(long_date(Lang::De, d("2026-03-05")), "5. März 2026");
        assert_eq!(long_date(Lang::De, d("2026-12-31")), "31. Dezember 2026");
    }
}
