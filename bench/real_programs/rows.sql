-- Inserting and indexing rows for bench/real_programs.sh, in an in-memory database (its pages
-- come from malloc). The row count is the parameter @rows, bound by the script with
-- `.parameter set @rows N`.
CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT, grp INTEGER, price REAL, note TEXT);
WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < @rows)
INSERT INTO item
  SELECT x, printf('item-%08x', (x * 2654435761) % 4294967296), x % 997,
         ((x * 7919) % 100000) / 100.0, substr('lorem ipsum dolor sit amet consectetur', 1 + x % 20)
  FROM n;
CREATE INDEX item_name ON item(name);
CREATE INDEX item_grp_price ON item(grp, price);
SELECT count(*), sum(price) FROM item;
SELECT grp, count(*), round(avg(price), 2) FROM item GROUP BY grp ORDER BY 2 DESC, 1 LIMIT 3;
SELECT count(*) FROM item a JOIN item b ON b.id = a.id + 1 WHERE a.grp = b.grp - 1;
