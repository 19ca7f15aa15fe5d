/**
 * The reference's tables (GORM's plural names and gorm.Model columns). Dates are TEXT `YYYY-MM-DD HH:MM:SS`, so
 * they compare correctly as text and the hour is `substr(date, 12, 2)`.
 */
export const TABLES = `
CREATE TABLE regions (
  id INTEGER PRIMARY KEY, created_at TEXT, updated_at TEXT, deleted_at TEXT,
  name TEXT NOT NULL
);
CREATE TABLE stores (
  id INTEGER PRIMARY KEY, created_at TEXT, updated_at TEXT, deleted_at TEXT,
  name TEXT NOT NULL, region_id INTEGER NOT NULL REFERENCES regions(id)
);
CREATE TABLE products (
  id INTEGER PRIMARY KEY, created_at TEXT, updated_at TEXT, deleted_at TEXT,
  name TEXT NOT NULL, category TEXT NOT NULL, price REAL NOT NULL
);
CREATE TABLE customers (
  id INTEGER PRIMARY KEY, created_at TEXT, updated_at TEXT, deleted_at TEXT,
  first_name TEXT NOT NULL, last_name TEXT NOT NULL
);
CREATE TABLE sales (
  id INTEGER PRIMARY KEY, created_at TEXT, updated_at TEXT, deleted_at TEXT,
  date TEXT NOT NULL, amount INTEGER NOT NULL,
  store_id INTEGER NOT NULL REFERENCES stores(id),
  product_id INTEGER NOT NULL REFERENCES products(id),
  customer_id INTEGER NOT NULL REFERENCES customers(id)
);
`;

/**
 * Built after the bulk load. The sales indexes cover every column the queries read (date, amount, deleted_at),
 * so a query walks index entries only: region and category become IN lists on (store_id, product_id), and the
 * date range is a range on the next column.
 */
export const INDEXES = `
CREATE INDEX idx_regions_name ON regions(name);
CREATE INDEX idx_stores_region ON stores(region_id);
CREATE INDEX idx_products_category ON products(category);
CREATE INDEX idx_sales_store_product_date ON sales(store_id, product_id, date, amount, deleted_at);
CREATE INDEX idx_sales_product_date ON sales(product_id, date, amount, deleted_at);
CREATE INDEX idx_sales_date ON sales(date, amount, deleted_at);
CREATE INDEX idx_sales_customer ON sales(customer_id);
ANALYZE;
`;
