"""A run's files between steps, under ``<run_files_dir>/<run_id>/`` (a local folder or an
object store, ``tthc.storage``): per dataset, the transformed rows and the numbers of the rows
set aside (duplicates, quarantined), as Parquet; the transform's counts (``transform.json``)
and what validation staged in the database (``validate.json``).

Steps set rows aside by their number in the transformed table instead of writing the rest
again; the readers here put the two back together.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tthc.pipeline import sizes
from tthc.storage import Store

# Arrow types as pandas' nullable dtypes, so a missing value stays <NA>, not NaN or None.
_NULLABLE = {
    pa.int64(): pd.Int64Dtype(),
    pa.bool_(): pd.BooleanDtype(),
    pa.string(): pd.StringDtype(),
    pa.large_string(): pd.StringDtype(),
}


class ParquetSink:
    """Frames appended to one Parquet object; the first frame's schema holds for the rest."""

    def __init__(self, store: Store, name: str) -> None:
        self.store, self.name, self.writer = store, name, None
        self._file = None

    def write(self, df: pd.DataFrame) -> None:
        if self.writer is None:
            table = pa.Table.from_pandas(df, preserve_index=False)
            self._file = self.store.open(self.name, "wb")
            self.writer = pq.ParquetWriter(self._file, table.schema)
        else:
            table = pa.Table.from_pandas(df, schema=self.writer.schema, preserve_index=False)
        self.writer.write_table(table)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self._file.close()


def parquet_rows(store: Store, name: str) -> int:
    with store.open(name) as f:
        return pq.ParquetFile(f).metadata.num_rows


def read_parquet(store: Store, name: str, columns: list[str] | None = None) -> pd.DataFrame:
    """A whole Parquet object (row numbers, quarantined rows: small next to the data)."""
    with store.open(name) as f:
        return pq.read_table(f, columns=columns).to_pandas(types_mapper=_NULLABLE.get)


def kept_batches(
    store: Store,
    names: list[str],
    dropped: np.ndarray,
    columns: list[str] | None = None,
    rows: int | None = None,
) -> Iterator[tuple[pa.Table, np.ndarray]]:
    """Parquet objects read in turn as one table, ``rows`` (``sizes.CHUNK_ROWS``) rows at a
    time, without the rows numbered in ``dropped`` (sorted), with the numbers of the rows kept."""
    offset = 0
    for table in _chunks(store, names, columns, rows or sizes.CHUNK_ROWS):
        numbers = np.arange(offset, offset + table.num_rows)
        offset += table.num_rows
        mine = dropped[(dropped >= offset - table.num_rows) & (dropped < offset)]
        if len(mine):
            kept = ~np.isin(numbers, mine)
            table, numbers = table.filter(kept), numbers[kept]
        yield table, numbers


def _chunks(
    store: Store, names: list[str], columns: list[str] | None, rows: int
) -> Iterator[pa.Table]:
    """Tables of ``rows`` rows (the last: what is left) across the objects' boundaries, so a
    table written in many small parts is still read in chunks of the size asked for. The first
    object's types hold for the rest (a later part whose column came all empty). No rows at
    all: one empty table, with the columns."""
    first: pa.Schema | None = None
    pending: list[pa.Table] = []
    held = given = 0
    for name in names:
        with store.open(name) as f:
            source = pq.ParquetFile(f)
            if first is None:
                first = source.schema_arrow
            for batch in source.iter_batches(batch_size=rows, columns=columns):
                pending.append(_as(first, pa.Table.from_batches([batch])))
                held += batch.num_rows
                while held >= rows:
                    # One contiguous chunk per column: what reads it (GX, COPY) goes faster.
                    whole = pa.concat_tables(pending)
                    yield whole.slice(0, rows)
                    given += rows
                    rest = whole.slice(rows)
                    pending, held = ([rest] if rest.num_rows else []), rest.num_rows
    if held:
        yield pa.concat_tables(pending)
    elif not given and names:
        with store.open(names[0]) as f:
            yield pq.read_table(f, columns=columns).slice(0, 0)


def _as(schema: pa.Schema, table: pa.Table) -> pa.Table:
    wanted = pa.schema([schema.field(n) for n in table.column_names], metadata=schema.metadata)
    return table if table.schema.equals(wanted) else table.cast(wanted)


def kept_chunks(
    store: Store,
    names: list[str],
    dropped: np.ndarray,
    columns: list[str] | None = None,
    rows: int | None = None,
) -> Iterator[pd.DataFrame]:
    """``kept_batches`` as frames, each indexed by its rows' numbers in the table."""
    for table, numbers in kept_batches(store, names, dropped, columns, rows):
        # One piece per column (the parts read as many): pandas' string methods go faster.
        frame = table.combine_chunks().to_pandas(types_mapper=_NULLABLE.get)
        yield frame.set_axis(pd.Index(numbers))


def return_memory() -> None:
    """Hand Arrow's cached blocks back to the OS after a step, so a worker that runs several
    steps does not keep each one's peak (mimalloc holds freed memory otherwise)."""
    pa.default_memory_pool().release_unused()


class RunFiles:
    """The files of one run. Per dataset: ``<name>.transformed/<part>.parquet`` (every row the
    transform gave, unique within its group of pages, with its content hash; a part per group,
    read in turn as one table whose rows are numbered from 0),
    ``<name>.duplicates.parquet`` (numbers of rows whose key an earlier group gave) and
    ``<name>.quarantined.parquet`` (the rows validation held, their reasons and numbers)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @classmethod
    def of(cls, root: str, run_id: str) -> RunFiles:
        return cls(Store(root) / run_id)

    # --- writing ---------------------------------------------------------------------------
    def write_transformed(self, name: str, part: int, df: pd.DataFrame) -> None:
        sink = ParquetSink(self.store, f"{name}.transformed/{part:06d}.parquet")
        sink.write(df)
        sink.close()

    def has_transformed(self, name: str) -> bool:
        return bool(self._parts(name))

    def clear_transformed(self, names: list[str]) -> None:
        for name in names:
            self.store.remove(f"{name}.transformed")

    def _parts(self, name: str) -> list[str]:
        return self.store.names(f"{name}.transformed")

    def quarantined_sink(self, name: str) -> ParquetSink:
        return ParquetSink(self.store, f"{name}.quarantined.parquet")

    def write_duplicates(self, name: str, numbers: np.ndarray) -> None:
        sink = ParquetSink(self.store, f"{name}.duplicates.parquet")
        sink.write(pd.DataFrame({"row_number": numbers.astype("int64")}))
        sink.close()

    def write_counts(self, counts: dict[str, dict[str, int]]) -> None:
        """Per dataset, the rows the transform read, the duplicates and those from files."""
        self.store.write_json("transform.json", counts)

    def counts(self) -> dict[str, dict[str, int]]:
        return self.store.read_json("transform.json")

    def write_staged(self, staged: dict[str, int]) -> None:
        """How many rows validation staged in each dataset's staging table."""
        self.store.write_json("validate.json", {"staged": staged})

    def staged(self) -> dict[str, int]:
        return self.store.read_json("validate.json")["staged"]

    # --- reading ---------------------------------------------------------------------------
    def transformed_rows(self, name: str) -> int:
        return sum(parquet_rows(self.store, part) for part in self._parts(name))

    def unique_rows(self, name: str) -> int:
        """The transformed rows but the duplicates: what validation judges."""
        return self.transformed_rows(name) - parquet_rows(self.store, f"{name}.duplicates.parquet")

    def quarantined(self, name: str) -> pd.DataFrame:
        return read_parquet(self.store, f"{name}.quarantined.parquet")

    def _numbers(self, name: str, *parts: str) -> np.ndarray:
        numbers = [
            read_parquet(self.store, f"{name}.{part}.parquet", ["row_number"])["row_number"]
            for part in parts
        ]
        return np.sort(np.concatenate([n.to_numpy(dtype="int64") for n in numbers]))

    def quarantined_numbers(self, name: str) -> np.ndarray:
        return self._numbers(name, "quarantined")

    def chunks(
        self, name: str, columns: list[str] | None = None, rows: int | None = None
    ) -> Iterator[pd.DataFrame]:
        """Every transformed row, ``rows`` (``sizes.CHUNK_ROWS``) at a time, indexed by number."""
        none = np.array([], dtype="int64")
        return kept_chunks(self.store, self._parts(name), none, columns, rows)

    def unique_chunks(
        self, name: str, columns: list[str] | None = None, rows: int | None = None
    ) -> Iterator[pd.DataFrame]:
        """The transformed rows but the duplicates of earlier ones: what validation judges."""
        dropped = self._numbers(name, "duplicates")
        return kept_chunks(self.store, self._parts(name), dropped, columns, rows)

    def unique_batches(self, name: str) -> Iterator[tuple[pa.Table, np.ndarray]]:
        """``unique_chunks`` as Arrow tables of ``sizes.COPY_ROWS``, with the rows' numbers: what
        validation stages."""
        dropped = self._numbers(name, "duplicates")
        return kept_batches(self.store, self._parts(name), dropped, rows=sizes.COPY_ROWS)

    def valid_chunks(self, name: str, columns: list[str] | None = None) -> Iterator[pd.DataFrame]:
        """The rows validation let through: all but the duplicates and the quarantined."""
        dropped = self._numbers(name, "duplicates", "quarantined")
        return kept_chunks(self.store, self._parts(name), dropped, columns)

    def __repr__(self) -> str:
        return f"RunFiles({self.store.url!r})"
