// A read-process-write pipeline that crashes in the middle of a transaction
// (the Scala twin of eos-pipeline.py).
//
// Step 1 writes 200 orders to "orders". Step 2 is the pipeline: for each batch of orders it opens
// a transaction, writes one invoice per order to "invoices", adds the consumer's new offsets to the
// same transaction with sendOffsetsToTransaction(), and commits. Invoices, offsets: all or nothing.
// The first instance crashes in its fifth transaction, after its invoices have reached the log but
// before the commit. The restarted instance uses the same transactional.id: its initTransactions()
// aborts the unfinished transaction, and its consumer resumes from the last committed offsets.
// The "e-mail" per order is a side effect outside Kafka, which no Kafka transaction can take back.
import java.time.Duration
import java.util.Properties
import scala.collection.mutable
import scala.jdk.CollectionConverters.*
import scala.util.Using
import org.apache.kafka.clients.consumer.{ConsumerConfig, KafkaConsumer, OffsetAndMetadata}
import org.apache.kafka.clients.producer.{KafkaProducer, ProducerConfig, ProducerRecord, RecordMetadata}
import org.apache.kafka.common.TopicPartition
import org.apache.kafka.common.serialization.{StringDeserializer, StringSerializer}

object EosPipeline:
  val Bootstrap = sys.env("BOOTSTRAP_SERVERS")
  val Count = 200
  val Batch = 20
  val CrashInTransaction = 5
  val IdleMillis = 3000L

  var emailsSent = 0
  val abandoned = mutable.ListBuffer.empty[KafkaProducer[String, String]]   // the crashed instance's producer, transaction open

  def producer(extra: (String, String)*): KafkaProducer[String, String] =
    val config = Properties()
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, Bootstrap)
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, classOf[StringSerializer].getName)
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, classOf[StringSerializer].getName)
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000")   // transaction calls wait at most 10 s
    extra.foreach((key, value) => config.put(key, value))
    KafkaProducer[String, String](config)

  def consumer(group: String, isolation: String): KafkaConsumer[String, String] =
    val config = Properties()
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, Bootstrap)
    config.put(ConsumerConfig.GROUP_ID_CONFIG, group)
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false")   // offsets go through the transaction instead
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")
    // kafka-clients defaults to read_uncommitted (librdkafka to read_committed): named explicitly,
    // since a pipeline must never pick up another pipeline's aborted output.
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation)
    config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Batch.toString)
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, classOf[StringDeserializer].getName)
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, classOf[StringDeserializer].getName)
    KafkaConsumer[String, String](config)

  def send(producer: KafkaProducer[String, String], topic: String, id: String): Unit =
    println(s"sent $id")
    producer.send(ProducerRecord(topic, id), (metadata: RecordMetadata, error: Exception) =>
      if error != null then println(s"failed $id ${error.getClass.getSimpleName}")
      else println(s"acked $id ${metadata.partition} ${metadata.offset}"))

  def writeOrders(): Unit =
    Using.resource(producer(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG -> "true")) { p =>
      for i <- 1 to Count do send(p, "orders", s"order-$i")
      p.flush()
    }

  def runPipeline(crashInTransaction: Int = -1): Unit =
    val orders = consumer("invoicing", "read_committed")
    val txn = producer(ProducerConfig.TRANSACTIONAL_ID_CONFIG -> "invoicing-0")   // stable across restarts
    txn.initTransactions()   // fences older instances, aborts their open transaction
    // One partition, owned by this instance: assign() it directly instead of subscribe(), so the
    // example never waits for a group rebalance. Offsets are still committed to the group.
    orders.assign(List(TopicPartition("orders", 0)).asJava)
    var transactions = 0
    var crashed = false
    var deadline = System.currentTimeMillis() + 10000   // the first fetch can take a moment
    while !crashed && System.currentTimeMillis() < deadline do
      val batch = orders.poll(Duration.ofSeconds(1))
      if !batch.isEmpty then
        deadline = System.currentTimeMillis() + IdleMillis   // stop once "orders" has been quiet this long
        transactions += 1
        txn.beginTransaction()
        for record <- batch.asScala do
          send(txn, "invoices", record.value.replace("order-", "invoice-"))
          emailsSent += 1   // the side effect: not part of any transaction
        if transactions == crashInTransaction then
          txn.flush()
          println(s"crash in transaction $transactions: ${batch.count} invoices written, not committed")
          abandoned += txn
          crashed = true
        else
          val next = orders.assignment.asScala.map(tp => tp -> OffsetAndMetadata(orders.position(tp))).toMap
          txn.sendOffsetsToTransaction(next.asJava, orders.groupMetadata)   // the next offset to read
          txn.commitTransaction()
    orders.close()
    if !crashed then txn.close()

  /** Records and distinct invoices a reader at this isolation level finds, read from the start. */
  def countInvoices(isolation: String): (Int, Int) =
    Using.resource(consumer(s"audit-$isolation", isolation)) { reader =>
      val invoices = TopicPartition("invoices", 0)
      reader.assign(List(invoices).asJava)
      reader.seekToBeginning(List(invoices).asJava)
      val end: Long = reader.endOffsets(List(invoices).asJava).get(invoices)   // read_committed: the last stable offset
      var records = 0
      val distinct = mutable.Set.empty[String]
      var idle = false
      while !idle && reader.position(invoices) < end do
        val got = reader.poll(Duration.ofSeconds(3))
        idle = got.isEmpty
        got.asScala.foreach { r => records += 1; distinct += r.value }
      (records, distinct.size)
    }

  def main(args: Array[String]): Unit =
    writeOrders()
    println("-- pipeline starts")
    runPipeline(crashInTransaction = CrashInTransaction)
    println("-- pipeline restarts with the same transactional.id")
    runPipeline()
    val (committed, committedDistinct) = countInvoices("read_committed")
    println(s"read_committed: $committed invoices, $committedDistinct distinct, for $Count orders")
    val (all, allDistinct) = countInvoices("read_uncommitted")
    println(s"read_uncommitted: $all invoices, $allDistinct distinct (includes the aborted ones)")
    println(s"e-mails sent: $emailsSent for $Count orders")
