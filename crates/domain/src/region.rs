//! The regions of Kazakhstan: the oblasts and the cities of republican significance.

macro_rules! regions {
    ($($variant:ident => $code:literal, $name:literal;)+) => {
        /// A region, identified by a stable lowercase code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Region {
            $(
                #[doc = $name]
                $variant,
            )+
        }

        impl Region {
            /// Every region, in the order of their codes.
            pub const ALL: &'static [Region] = &[$(Region::$variant),+];

            /// The stable code used in the API and the database.
            #[must_use]
            pub const fn code(self) -> &'static str {
                match self {
                    $(Region::$variant => $code,)+
                }
            }

            /// The English name.
            #[must_use]
            pub const fn english_name(self) -> &'static str {
                match self {
                    $(Region::$variant => $name,)+
                }
            }
        }
    };
}

regions! {
    Abai => "abai", "Abai Region";
    Akmola => "akmola", "Akmola Region";
    Aktobe => "aktobe", "Aktobe Region";
    Almaty => "almaty", "Almaty Region";
    AlmatyCity => "almaty_city", "City of Almaty";
    Astana => "astana", "City of Astana";
    Atyrau => "atyrau", "Atyrau Region";
    EastKazakhstan => "east_kazakhstan", "East Kazakhstan Region";
    Jambyl => "jambyl", "Jambyl Region";
    Jetisu => "jetisu", "Jetisu Region";
    Karaganda => "karaganda", "Karaganda Region";
    Kostanay => "kostanay", "Kostanay Region";
    Kyzylorda => "kyzylorda", "Kyzylorda Region";
    Mangystau => "mangystau", "Mangystau Region";
    NorthKazakhstan => "north_kazakhstan", "North Kazakhstan Region";
    Pavlodar => "pavlodar", "Pavlodar Region";
    Shymkent => "shymkent", "City of Shymkent";
    Turkistan => "turkistan", "Turkistan Region";
    Ulytau => "ulytau", "Ulytau Region";
    WestKazakhstan => "west_kazakhstan", "West Kazakhstan Region";
}

crate::codes::closed_set!(Region, UnknownRegion, "unknown_region");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seventeen_oblasts_and_three_cities() {
        assert_eq!(Region::ALL.len(), 20);
        let cities = Region::ALL
            .iter()
            .filter(|r| r.english_name().starts_with("City of"))
            .count();
        assert_eq!(cities, 3);
    }

    #[test]
    fn every_code_round_trips() {
        for region in Region::ALL {
            assert_eq!(region.code().parse::<Region>(), Ok(*region));
        }
    }

    #[test]
    fn codes_are_sorted_and_unique() {
        let codes: Vec<&str> = Region::ALL.iter().map(|r| r.code()).collect();
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(codes, sorted);
    }

    #[test]
    fn unknown_and_differently_cased_codes_are_refused() {
        assert_eq!("Aktobe".parse::<Region>(), Err(UnknownRegion));
        assert_eq!("almaty city".parse::<Region>(), Err(UnknownRegion));
        assert_eq!("".parse::<Region>(), Err(UnknownRegion));
    }
}
