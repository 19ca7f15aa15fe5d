/** The seed's fixed names: every generated database and every benchmark query uses these. */
export const REGIONS = ['North America', 'South America', 'Europe', 'Oceania', 'Asia'] as const;

export const CATEGORIES = ['Appliances', 'Clothing', 'Books', 'Miscellaneous', 'Kitchenware', 'Computers', 'Furniture', 'Beauty'] as const;

export type Region = (typeof REGIONS)[number];
export type Category = (typeof CATEGORIES)[number];
